// The ZIP benchmark's candidate (bench/suites/zip.py): the batch archive writer (write_zip, the
// code the pipeline's archive step runs) reading its entries from a store and writing the archive
// into the same store, in a process of its own so that its peak RSS is the writer's.
//
//   toq_zip_bench setup STORE FILE...   puts every FILE into STORE as bench/in/NNN (not timed)
//   toq_zip_bench run STORE FILE...     writes bench/out/archive.zip from those objects (timed by
//                                       the harness); prints "bytes=N entries=N sha256=HEX"
//
// STORE: local-put:ROOT (the embedded default's disk store, the archive in one streamed put: what
// the pipeline does with it), local:ROOT (the same store through multipart) or s3:ENDPOINT
// (path-style, bucket toq-test, s3rver's account; multipart, as the pipeline does on S3).

#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "adapter/aws/s3_object_store.hpp"
#include "adapter/media/pipeline/file_digest.hpp"
#include "adapter/media/zip/zip_writer.hpp"
#include "adapter/storage/local_object_store.hpp"
#include "support/http/curl_http_client.hpp"

namespace {

namespace fs = std::filesystem;
using namespace toq;

struct Store {
  std::unique_ptr<core::ObjectStore> owner;
  core::ObjectStore* store = nullptr;
  core::MultipartStore* multipart = nullptr;
};

Store open_store(const std::string& spec, const core::Clock& clock) {
  Store out;
  const bool one_put = spec.starts_with("local-put:");
  if (spec.starts_with("local:") || one_put) {
    storage::LocalStoreOptions options;
    options.root = spec.substr(spec.find(':') + 1);
    options.public_base_url = "http://127.0.0.1:9";
    options.credentials = {"TOQBENCHKEY", "a-local-secret-for-the-bench"};
    options.durable = false;  // the bench measures the writer, not fsync
    auto store = storage::LocalObjectStore::open(options, clock);
    if (!store) throw std::runtime_error(store.error().message);
    out.multipart = one_put ? nullptr : store->get();
    out.store = store->get();
    out.owner = std::move(*store);
    return out;
  }
  if (spec.starts_with("s3:")) {
    aws::S3StoreOptions options;
    options.bucket = "toq-test";
    options.endpoint = spec.substr(3);
    options.path_style = true;
    options.credentials =
        std::make_shared<aws::StaticCredentialsProvider>(aws::Credentials{"S3RVER", "S3RVER", {}});
    auto store =
        aws::S3ObjectStore::create(options, std::make_shared<support::CurlHttpClient>(), clock);
    if (!store) throw std::runtime_error(store.error().message);
    out.multipart = store->get();
    out.store = store->get();
    out.owner = std::move(*store);
    return out;
  }
  throw std::runtime_error("STORE must be local:ROOT, local-put:ROOT or s3:ENDPOINT");
}

std::string input_key(std::size_t i) {
  return fmt::format("bench/in/{:03d}", i + 1);
}

int setup(Store& store, const std::vector<fs::path>& files) {
  for (std::size_t i = 0; i < files.size(); ++i) {
    auto digest = media::sha256_of_file(files[i]);
    if (!digest) throw std::runtime_error(digest.error().message);
    auto source = media::open_file_source(files[i]);
    if (!source) throw std::runtime_error(source.error().message);
    core::PutOptions put{.content_length = digest->bytes, .checksum_sha256 = digest->base64};
    if (auto stored = store.store->put(input_key(i), **source, put); !stored) {
      throw std::runtime_error(stored.error().message);
    }
  }
  return 0;
}

int run(Store& store, const std::vector<fs::path>& files) {
  std::vector<media::ZipInput> inputs;
  for (std::size_t i = 0; i < files.size(); ++i) {
    inputs.push_back(
        media::store_input(*store.store, input_key(i),
                           fmt::format("videos/{:03d}-{}", i + 1, files[i].filename().string()),
                           static_cast<std::int64_t>(fs::file_size(files[i]))));
  }
  auto zip = media::write_zip(*store.store, store.multipart, "bench/out/archive.zip", inputs,
                              media::ZipOptions{});
  if (!zip) throw std::runtime_error(zip.error().message);
  std::printf("bytes=%lld entries=%lld sha256=%s\n", static_cast<long long>(zip->bytes),
              static_cast<long long>(zip->entries), zip->sha256_hex.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: toq_zip_bench setup|run STORE FILE...\n");
    return 2;
  }
  try {
    core::SystemClock clock;
    Store store = open_store(argv[2], clock);
    std::vector<fs::path> files(argv + 3, argv + argc);
    const std::string mode = argv[1];
    if (mode == "setup") return setup(store, files);
    if (mode == "run") return run(store, files);
    std::fprintf(stderr, "unknown mode %s\n", mode.c_str());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "toq_zip_bench: %s\n", e.what());
    return 1;
  }
}

// The presign benchmark's candidate (bench/suites/presign.py): presigned upload URLs as
// create-batch makes them (PUT signing Content-Type, Content-Length and x-amz-checksum-sha256, one
// hour), one thread, the signing key cached by the signer after the first URL. Nothing is sent.
//
//   toq_presign_bench s3|local COUNT
//
// s3: the S3 adapter (production); local: the embedded default's store. Prints
// "urls=N cpu_seconds=S urls_per_cpu_second=R" (the process' own CPU time, so a busy machine
// lowers the wall rate but not this one).

#include <cstdio>
#include <ctime>
#include <memory>
#include <stdexcept>
#include <string>

#include <fmt/core.h>

#include "adapter/aws/s3_object_store.hpp"
#include "adapter/storage/local_object_store.hpp"
#include "support/http/curl_http_client.hpp"

namespace {

using namespace toq;

double cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

int run(core::UrlSigner& signer, long count) {
  core::PresignPut put{.content_type = "image/jpeg",
                       .content_length = 4'379'037,
                       .checksum_sha256 = "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=",
                       .expires = std::chrono::seconds{3600}};
  std::size_t bytes = 0;
  // The first URL derives and caches the signing key; the rest reuse it.
  if (auto first = signer.presign_put("listings/1/batches/1/raw/1", put); !first) {
    throw std::runtime_error(first.error().message);
  }
  const double start = cpu_seconds();
  for (long i = 0; i < count; ++i) {
    auto url = signer.presign_put(fmt::format("listings/28/batches/{}/raw/{}", i / 100, i), put);
    if (!url) throw std::runtime_error(url.error().message);
    bytes += url->url.size();
  }
  const double spent = cpu_seconds() - start;
  std::printf("urls=%ld cpu_seconds=%.4f urls_per_cpu_second=%.0f mean_url_bytes=%zu\n", count,
              spent, static_cast<double>(count) / spent, bytes / static_cast<std::size_t>(count));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: toq_presign_bench s3|local COUNT\n");
    return 2;
  }
  try {
    core::SystemClock clock;
    const std::string mode = argv[1];
    const long count = std::stol(argv[2]);
    if (mode == "s3") {
      aws::S3StoreOptions options;
      options.bucket = "toq-media-listings";
      options.region = "sa-east-1";
      options.credentials = std::make_shared<aws::StaticCredentialsProvider>(
          aws::Credentials{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", {}});
      auto store =
          aws::S3ObjectStore::create(options, std::make_shared<support::CurlHttpClient>(), clock);
      if (!store) throw std::runtime_error(store.error().message);
      return run(**store, count);
    }
    if (mode == "local") {
      storage::LocalStoreOptions options;
      options.root = std::filesystem::temp_directory_path() / "toq-presign-bench";
      options.public_base_url = "http://127.0.0.1:8080";
      options.credentials = {"TOQBENCHKEY", "a-local-secret-for-the-bench"};
      auto store = storage::LocalObjectStore::open(options, clock);
      if (!store) throw std::runtime_error(store.error().message);
      return run(**store, count);
    }
    std::fprintf(stderr, "unknown mode %s\n", mode.c_str());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "toq_presign_bench: %s\n", e.what());
    return 1;
  }
}

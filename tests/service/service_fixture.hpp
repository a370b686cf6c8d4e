#pragma once
// The use-case tests' world: a real database (SQLite, or MariaDB with TOQ_TEST_DATABASE=mysql:
// support/test_database.hpp) and a real local object store on a temp dir,
// a clock the tests pin, and helpers that register listings, build manifests with real bytes and
// upload those bytes at the keys the service handed out (through the store's own API, which is
// what the presigned URLs lead to).

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include "core/model/object_keys.hpp"
#include "core/service/complete_upload_batch.hpp"
#include "core/service/create_upload_batch.hpp"
#include "core/service/get_batch_status.hpp"
#include "core/service/list_download_urls.hpp"
#include "core/service/refresh_upload_urls.hpp"
#include "core/service/register_listing.hpp"
#include "core/service/retry_batch.hpp"

#include "adapter/storage/content_disposition.hpp"
#include "adapter/storage/local_object_store.hpp"
#include "service/processing_stand_in.hpp"
#include "storage/storage_test_support.hpp"
#include "support/result_matchers.hpp"
#include "support/temp_dir.hpp"
#include "support/test_database.hpp"

namespace toq::testing {

inline constexpr std::int64_t kKiB = 1024;
// Small numbers so multipart runs on test-sized files: parts of 64 KiB (the store's minimum in
// these tests), multipart above 128 KiB.
inline constexpr std::int64_t kPartSize = 64 * kKiB;
inline constexpr std::int64_t kThreshold = 128 * kKiB;
inline constexpr std::int64_t kPhotographer = 7;
inline constexpr std::int64_t kOwner = 11;

inline std::string sha256_base64(std::span<const std::byte> data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  unsigned char out[64] = {};
  const int n = EVP_EncodeBlock(out, digest, static_cast<int>(len));
  return std::string(reinterpret_cast<const char*>(out), static_cast<std::size_t>(n));
}

inline std::vector<std::byte> make_bytes(std::int64_t size, unsigned seed) {
  std::vector<std::byte> bytes(static_cast<std::size_t>(size));
  std::uint32_t x = seed * 2654435761u + 1u;
  for (auto& b : bytes) {
    x = x * 1664525u + 1013904223u;
    b = static_cast<std::byte>(x >> 24);
  }
  return bytes;
}

class SpanSource final : public core::ByteSource {
 public:
  explicit SpanSource(std::span<const std::byte> data) : data_(data) {}
  core::Result<std::size_t> read(std::span<std::byte> buf) override {
    const std::size_t n = std::min(buf.size(), data_.size() - pos_);
    std::copy_n(data_.begin() + static_cast<std::ptrdiff_t>(pos_), n, buf.begin());
    pos_ += n;
    return n;
  }

 private:
  std::span<const std::byte> data_;
  std::size_t pos_ = 0;
};

inline core::Principal as(core::Role role, std::int64_t user) {
  return core::Principal{core::UserId{user}, role};
}
inline core::Principal photographer() {
  return as(core::Role::kPhotographer, kPhotographer);
}
inline core::Principal service() {
  return as(core::Role::kService, 1);
}

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    database_.emplace(dir_.path(), "media.sqlite3");
    db_ = database_->get();
    storage::LocalStoreOptions options;
    options.root = dir_ / "store";
    options.public_base_url = "http://127.0.0.1:9";
    options.credentials = {local_credentials().access_key_id,
                           local_credentials().secret_access_key};
    options.min_part_size = kPartSize;
    options.buffer_size = 16 * 1024;
    options.durable = false;
    auto store = storage::LocalObjectStore::open(options, clock_);
    ASSERT_TRUE(store.has_value()) << store.error().message;
    store_ = std::move(*store);
  }

  core::RegisterListing registrar() { return core::RegisterListing({*db_, clock_}); }
  static core::CreateUploadBatchOptions upload_options() {
    core::CreateUploadBatchOptions options;
    options.multipart_threshold_bytes = kThreshold;
    options.part_size_bytes = kPartSize;
    return options;
  }
  core::CreateUploadBatch creator() {
    return core::CreateUploadBatch({*db_, *store_, *store_, clock_}, upload_options());
  }
  core::RefreshUploadUrls refresher() {
    return core::RefreshUploadUrls({*db_, *store_, *store_, *store_, clock_}, upload_options());
  }
  core::GetBatchStatus status_reader() { return core::GetBatchStatus({*db_}); }
  core::ListDownloadUrls downloads() {
    return core::ListDownloadUrls(
        {*db_, *store_, clock_,
         [](std::string_view name) { return storage::content_disposition(name); }},
        {std::chrono::seconds{600}});
  }
  core::RetryBatch retrier() { return core::RetryBatch({*db_, clock_}); }

  // A batch created, uploaded and completed (its job QUEUED).
  core::CreateUploadBatchOutput completed_mixed(std::int64_t listing_id) {
    auto batch = create_mixed(listing_id);
    auto parts = upload(batch);
    must(completer().run(complete_input(batch, parts)), "complete");
    return batch;
  }
  // Then processed by the stand-in engine (processing_stand_in.hpp).
  core::CreateUploadBatchOutput processed_mixed(std::int64_t listing_id,
                                                const StandInOptions& options = {}) {
    auto batch = completed_mixed(listing_id);
    must(run_job_stand_in(*db_, batch.batch_id, clock_.now(), options), "stand-in run");
    return batch;
  }
  core::CompleteUploadBatch completer() {
    return core::CompleteUploadBatch({*db_, *store_, *store_, clock_});
  }

  core::Listing listing(std::int64_t id, std::string kind = "RESIDENTIAL",
                        std::string status = "PENDING_PHOTO_PROCESSING") {
    core::UpsertListingInput in{service(),        id, kOwner, kPhotographer, std::move(kind),
                                std::move(status)};
    return must(registrar().upsert(in), "upsert listing");
  }

  // Declares a file and remembers its bytes (by clientId) for upload().
  core::FileDeclarationInput file(std::string client_id, std::string media_type, std::int64_t size,
                                  std::int64_t sequence) {
    auto bytes = make_bytes(size, static_cast<unsigned>(sequence) + 31u * size_tag_++);
    core::FileDeclarationInput f;
    f.client_id = client_id;
    f.media_type = media_type;
    const bool photo = media_type.starts_with("PHOTO") || media_type == "PROJECT_RENDER";
    const bool video = media_type.starts_with("VIDEO");
    f.filename = photo ? "IMG.jpg" : video ? "tour.mp4" : "plan.pdf";
    f.content_type = photo ? "image/jpeg" : video ? "video/mp4" : "application/pdf";
    f.bytes = size;
    f.checksum_sha256 = sha256_base64(bytes);
    f.title = "Sala de estar";
    f.sequence = sequence;
    contents_[client_id] = std::move(bytes);
    return f;
  }

  core::ManifestInput manifest(std::int64_t listing_id, std::vector<core::FileDeclarationInput> f) {
    core::ManifestInput m;
    m.listing_identity_id = listing_id;
    m.batch_reference = "sessao-2026-01-15";
    m.files = std::move(f);
    return m;
  }

  // A photo of 20 KiB (single PUT) and a video of 200 KiB (multipart: 64+64+64+8 KiB).
  core::CreateUploadBatchOutput create_mixed(std::int64_t listing_id) {
    return must(
        creator().run(
            {photographer(), manifest(listing_id, {file("f-1", "PHOTO_HORIZONTAL", 20 * kKiB, 1),
                                                   file("v-1", "VIDEO_VERTICAL", 200 * kKiB, 1)})}),
        "create batch");
  }

  core::ListingId listing_of(const core::CreateUploadBatchOutput& b) const { return b.listing_id; }

  // Uploads every file (or those in `only`) through the store; returns the parts the client would
  // send to complete.
  std::vector<core::CompletedFile> upload(const core::CreateUploadBatchOutput& batch,
                                          const std::vector<std::string>& only = {}) {
    return upload_to(*store_, *store_, batch, only);
  }
  // The same into another store (the S3 suites).
  std::vector<core::CompletedFile> upload_to(core::ObjectStore& store,
                                             core::MultipartStore& multipart,
                                             const core::CreateUploadBatchOutput& batch,
                                             const std::vector<std::string>& only = {}) {
    std::vector<core::CompletedFile> completed;
    for (const auto& f : batch.files) {
      if (!only.empty() && std::find(only.begin(), only.end(), f.client_id) == only.end()) continue;
      const auto& bytes = contents_.at(f.client_id);
      const std::string key = core::raw_key(batch.listing_id, batch.batch_id, f.asset_id);
      if (f.upload) {
        core::PutOptions put;
        for (const auto& [name, value] : f.upload->headers) {
          if (name == "Content-Type") put.content_type = value;
          if (name == "x-amz-checksum-sha256") put.checksum_sha256 = value;
        }
        put.content_length = static_cast<std::int64_t>(bytes.size());
        SpanSource src(bytes);
        must(store.put(key, src, put), "put");
      } else {
        core::CompletedFile done{f.client_id, {}};
        std::int64_t offset = 0;
        for (const auto& p : f.multipart->parts) {
          const std::span<const std::byte> all(bytes);
          SpanSource src(
              all.subspan(static_cast<std::size_t>(offset), static_cast<std::size_t>(p.bytes)));
          auto part =
              must(multipart.upload_part(key, f.multipart->upload_id, p.part_number, src, p.bytes),
                   "upload part");
          done.parts.push_back({p.part_number, part.etag});
          offset += p.bytes;
        }
        completed.push_back(std::move(done));
      }
    }
    return completed;
  }

  core::CompleteUploadBatchInput complete_input(const core::CreateUploadBatchOutput& batch,
                                                std::vector<core::CompletedFile> files,
                                                core::Principal caller = photographer()) {
    return {caller, batch.listing_id.value, batch.batch_id.value, std::move(files), {}};
  }

  template <class F>
  auto tx(F&& f) {
    return db_->transact(std::forward<F>(f));
  }

  TempDir dir_;
  ManualClock clock_{pinned_now()};
  std::optional<TestDatabase> database_;
  core::Database* db_ = nullptr;
  std::unique_ptr<storage::LocalObjectStore> store_;
  std::map<std::string, std::vector<std::byte>> contents_;
  unsigned size_tag_ = 0;
};

}  // namespace toq::testing

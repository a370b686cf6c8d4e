#pragma once
// What the expiry and cancel tests look at: a batch's assets, its webhook events, whether its raw
// uploads (objects and multipart uploads) are still in the store, and batches moved on to RECEIVED
// and PROCESSING.

#include <string>
#include <vector>

#include "core/model/outbox.hpp"

#include "service/service_fixture.hpp"

namespace toq::testing {

class AbandonedUploadTest : public ServiceTest {
 protected:
  core::Batch batch_row(core::BatchId id) {
    return *must(tx([&](core::UnitOfWork& u) { return u.batches().find(id); }));
  }
  std::vector<core::Asset> assets_of(core::BatchId id) {
    return must(tx([&](core::UnitOfWork& u) { return u.assets().list_by_batch(id); }));
  }
  std::vector<core::OutboxEvent> events() {
    return must(tx([&](core::UnitOfWork& u) {
      return u.outbox().due(clock_.now() + std::chrono::hours(24 * 365), 1000);
    }));
  }
  std::string raw(const core::CreateUploadBatchOutput& b, const std::string& client_id) {
    for (const auto& f : b.files) {
      if (f.client_id == client_id) return core::raw_key(b.listing_id, b.batch_id, f.asset_id);
    }
    ADD_FAILURE() << "no file " << client_id;
    return {};
  }
  bool object_exists(const std::string& key) { return must(store_->head(key)).has_value(); }
  // True while the multipart upload of `client_id` is still open in the store.
  bool multipart_open(const core::CreateUploadBatchOutput& b, const std::string& client_id) {
    for (const auto& f : b.files) {
      if (f.client_id != client_id || !f.multipart) continue;
      auto parts = store_->list_parts(raw(b, client_id), f.multipart->upload_id);
      if (parts) return true;
      EXPECT_EQ(parts.error().code, core::ErrorCode::kUploadNotFound) << parts.error().message;
      return false;
    }
    ADD_FAILURE() << "no multipart file " << client_id;
    return false;
  }
  // The photo uploaded whole and two of the video's four parts: an upload left half-way.
  void upload_half(const core::CreateUploadBatchOutput& b) {
    upload(b, {"f-1"});
    const auto& video = b.files.at(1);
    const auto& bytes = contents_.at("v-1");
    std::int64_t offset = 0;
    for (int i = 0; i < 2; ++i) {
      const auto& p = video.multipart->parts.at(static_cast<std::size_t>(i));
      SpanSource src(std::span<const std::byte>(bytes).subspan(static_cast<std::size_t>(offset),
                                                               static_cast<std::size_t>(p.bytes)));
      must(store_->upload_part(raw(b, "v-1"), video.multipart->upload_id, p.part_number, src,
                               p.bytes),
           "upload part");
      offset += p.bytes;
    }
  }
  // A completed batch (RECEIVED, its job QUEUED) and one whose job a worker holds (PROCESSING).
  core::CreateUploadBatchOutput received(std::int64_t listing_id) {
    return completed_mixed(listing_id);
  }
  core::CreateUploadBatchOutput processing(std::int64_t listing_id) {
    auto b = completed_mixed(listing_id);
    must(tx([&](core::UnitOfWork& u) -> core::Result<core::Batch> {
      auto job =
          u.jobs().claim_next("worker-1", clock_.now() + std::chrono::minutes(5), clock_.now());
      if (!job) return std::unexpected(job.error());
      return u.batches().transition(b.batch_id, core::BatchStatus::kReceived,
                                    core::BatchStatus::kProcessing, clock_.now());
    }));
    return b;
  }
};

}  // namespace toq::testing

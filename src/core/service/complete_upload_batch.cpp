#include "core/service/complete_upload_batch.hpp"

#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "core/model/job.hpp"
#include "core/model/listing.hpp"
#include "core/model/object_keys.hpp"
#include "core/service/upload_policy.hpp"

#include "support/trace_context.hpp"

namespace toq::core {

namespace {

struct Snapshot {
  Batch batch;
  Listing listing;
  std::vector<Asset> assets;
  std::optional<Job> latest_job;
};

Error batch_not_found(BatchId batch, ListingId listing) {
  return make_error(ErrorCode::kBatchNotFound,
                    fmt::format("batch {} not found for listing {}", batch.value, listing.value),
                    "The upload batch does not exist.");
}

// The batch as this caller may see it: missing, deleted and other listings' batches look alike.
Result<Snapshot> load(UnitOfWork& uow, BatchId batch_id, ListingId listing_id) {
  auto batch = uow.batches().find(batch_id);
  if (!batch) return std::unexpected(batch.error());
  if (!*batch || (*batch)->listing_id != listing_id || (*batch)->deleted_at) {
    return std::unexpected(batch_not_found(batch_id, listing_id));
  }
  auto listing = uow.listings().find(listing_id);
  if (!listing) return std::unexpected(listing.error());
  if (!*listing) return std::unexpected(batch_not_found(batch_id, listing_id));
  auto assets = uow.assets().list_by_batch(batch_id);
  if (!assets) return std::unexpected(assets.error());
  std::optional<Job> job;
  if ((*batch)->status != BatchStatus::kPendingUpload) {
    auto latest = uow.jobs().find_latest(batch_id);
    if (!latest) return std::unexpected(latest.error());
    job = std::move(*latest);
  }
  return Snapshot{std::move(**batch), std::move(**listing), std::move(*assets), std::move(job)};
}

}  // namespace

std::int64_t estimate_processing_seconds(const std::vector<Asset>& assets) {
  constexpr std::int64_t kMiB = 1024 * 1024;
  std::int64_t seconds = 30;
  std::int64_t all_bytes = 0;
  for (const Asset& a : assets) {
    all_bytes += a.declared.bytes;
    if (group_of(a.declared.media_type) == MediaGroup::kVideo) {
      seconds += 20 + a.declared.bytes / (16 * kMiB);
    } else {
      seconds += 2;
    }
  }
  return seconds + all_bytes / (256 * kMiB);
}

namespace {

// The answer for a batch someone already completed: its job, as it stands now.
Result<CompleteUploadBatchOutput> already_done(const Snapshot& s, CompleteUploadBatchOutput out) {
  if (!s.latest_job) {
    return fail(
        ErrorCode::kBatchNotPending,
        fmt::format("batch {} is {} without a job", s.batch.id.value, to_string(s.batch.status)),
        "The upload batch is no longer accepting uploads.");
  }
  out.job_id = s.latest_job->id;
  out.status = s.batch.status;
  out.created = false;
  return out;
}

// Every completed file must be one of the batch's.
Status check_client_ids(const std::map<std::string, const CompletedFile*>& by_client,
                        const Snapshot& snap) {
  for (const auto& [client_id, file] : by_client) {
    bool known = false;
    for (const Asset& a : snap.assets) known = known || a.declared.client_id == client_id;
    if (!known) {
      return fail(ErrorCode::kInvalidRequest,
                  fmt::format("clientId '{}' is not in batch {}", client_id, snap.batch.id.value),
                  fmt::format("The file '{}' is not part of this upload batch.", client_id));
    }
  }
  return {};
}

// Completes the multipart uploads the caller lists, then checks every asset's object against its
// declaration: UPLOAD_INCOMPLETE naming what is missing or differs.
Status verify_uploads(const CompleteUploadBatch::Deps& deps, const Snapshot& snap,
                      const std::vector<std::string>& keys,
                      const std::map<std::string, const CompletedFile*>& by_client) {
  UploadIncompleteDetails incomplete;
  std::set<std::string> flagged;
  for (std::size_t i = 0; i < snap.assets.size(); ++i) {
    const Asset& a = snap.assets[i];
    const std::string& key = keys[i];
    const std::string& client_id = a.declared.client_id;
    const auto listed = by_client.find(client_id);
    if (a.multipart_upload_id && listed != by_client.end()) {
      auto done =
          deps.multipart.complete_multipart(key, *a.multipart_upload_id, listed->second->parts);
      if (!done) {
        switch (done.error().code) {
          case ErrorCode::kChecksumMismatch:
            incomplete.mismatched.push_back({client_id, "CHECKSUM_MISMATCH"});
            flagged.insert(client_id);
            break;
          // Completed meanwhile by a concurrent or earlier call (the local store may also
          // report a part it no longer finds), or a bad part list: the HEAD below decides.
          case ErrorCode::kUploadNotFound:
          case ErrorCode::kInvalidPart:
          case ErrorCode::kEntityTooSmall:
          case ErrorCode::kInvalidRequest: break;
          default: return std::unexpected(done.error());
        }
      }
    }
    if (flagged.contains(client_id)) continue;
    auto info = deps.store.head(key);
    if (!info) return std::unexpected(info.error());
    if (!*info) {
      incomplete.missing.push_back(client_id);
    } else if ((*info)->size != a.declared.bytes) {
      incomplete.mismatched.push_back({client_id, "SIZE_MISMATCH"});
    } else if ((*info)->checksum_sha256 &&
               *(*info)->checksum_sha256 != a.declared.checksum_sha256) {
      incomplete.mismatched.push_back({client_id, "CHECKSUM_MISMATCH"});
    }
  }
  if (incomplete.missing.empty() && incomplete.mismatched.empty()) return {};
  Error error =
      make_error(ErrorCode::kUploadIncomplete,
                 fmt::format("batch {}: {} file(s) missing, {} mismatched", snap.batch.id.value,
                             incomplete.missing.size(), incomplete.mismatched.size()),
                 "Some files are missing or differ from what was declared; upload them again.");
  error.details = std::move(incomplete);
  return std::unexpected(std::move(error));
}

// One transaction: the batch RECEIVED (the compare-and-set that decides the winner), its assets
// UPLOADED, the job QUEUED. A caller that lost the race answers with the winner's job.
Result<CompleteUploadBatchOutput> commit(UnitOfWork& uow, BatchId batch_id, ListingId listing_id,
                                         CompleteUploadBatchOutput out, Timestamp now,
                                         const AwsProcessing* aws, const std::string& traceparent) {
  // Re-read inside the transaction: a caller that lost the race answers from here.
  auto current = load(uow, batch_id, listing_id);
  if (!current) return std::unexpected(current.error());
  if (current->batch.status != BatchStatus::kPendingUpload) {
    return already_done(*current, std::move(out));
  }
  // The batch first: it is the compare-and-set that decides the winner.
  auto moved =
      uow.batches().transition(batch_id, BatchStatus::kPendingUpload, BatchStatus::kReceived, now);
  if (!moved) return std::unexpected(moved.error());
  for (const Asset& a : current->assets) {
    auto r =
        uow.assets().transition(a.id, AssetStatus::kPendingUpload, AssetStatus::kUploaded, now);
    if (!r) return std::unexpected(r.error());
  }
  auto job = uow.jobs().create(batch_id, now, traceparent);
  if (!job) return std::unexpected(job.error());
  if (aws != nullptr) {
    if (auto queued = enqueue_execution(uow, *aws, *job, listing_id, current->assets, now);
        !queued) {
      return std::unexpected(queued.error());
    }
  }
  out.job_id = job->id;
  out.status = moved->status;
  out.created = true;
  return out;
}

}  // namespace

Result<CompleteUploadBatchOutput> CompleteUploadBatch::run(const CompleteUploadBatchInput& input) {
  const BatchId batch_id{input.batch_id};
  const ListingId listing_id{input.listing_identity_id};

  auto snap = deps_.db.transact([&](UnitOfWork& uow) { return load(uow, batch_id, listing_id); });
  if (!snap) return std::unexpected(snap.error());

  std::vector<MediaType> types;
  for (const Asset& a : snap->assets) types.push_back(a.declared.media_type);
  if (auto ok = authorize_upload(input.caller, snap->listing, types); !ok) {
    return std::unexpected(ok.error());
  }

  CompleteUploadBatchOutput out;
  out.batch_id = batch_id;
  out.estimated_duration_seconds = estimate_processing_seconds(snap->assets);
  for (const Asset& a : snap->assets) {
    auto key = raw_input_key(raw_key(listing_id, batch_id, a.id), listing_id, batch_id);
    if (!key) return std::unexpected(key.error());
    out.input_keys.push_back(std::move(*key));
  }
  if (snap->batch.status != BatchStatus::kPendingUpload) return already_done(*snap, out);

  std::map<std::string, const CompletedFile*> by_client;
  for (const CompletedFile& f : input.files) by_client[f.client_id] = &f;
  if (auto known = check_client_ids(by_client, *snap); !known) {
    return std::unexpected(known.error());
  }
  if (auto uploaded = verify_uploads(deps_, *snap, out.input_keys, by_client); !uploaded) {
    return std::unexpected(uploaded.error());
  }

  const Timestamp now = deps_.clock.now();
  const std::string trace = support::traceparent_for(input.traceparent);
  auto committed = deps_.db.transact([&](UnitOfWork& uow) {
    return commit(uow, batch_id, listing_id, out, now, deps_.aws, trace);
  });
  if (committed) return committed;

  // Lost a compare-and-set to a concurrent winner (an adapter whose reads do not serialize):
  // answer with the winner's job.
  const ErrorCode code = committed.error().code;
  if (code == ErrorCode::kStaleState || code == ErrorCode::kJobAlreadyActive) {
    auto again =
        deps_.db.transact([&](UnitOfWork& uow) { return load(uow, batch_id, listing_id); });
    if (again && again->batch.status != BatchStatus::kPendingUpload) {
      return already_done(*again, out);
    }
  }
  return committed;
}

}  // namespace toq::core

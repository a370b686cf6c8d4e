#pragma once
// What ending an upload session early does, shared by ExpireUploadBatches and CancelUploadBatch so
// the two can never differ. Only a batch still PENDING_UPLOAD is ever abandoned: the move is a
// compare-and-set, so a batch that a concurrent complete made RECEIVED (or a worker PROCESSING)
// is never touched, and of any number of concurrent sweeps and cancels exactly one moves it.

#include <chrono>
#include <vector>

#include "core/model/asset.hpp"
#include "core/model/batch.hpp"
#include "core/model/error.hpp"
#include "core/model/time.hpp"
#include "core/port/database.hpp"
#include "core/port/object_store.hpp"

namespace toq::core {

// The assets' failure when the batch stayed PENDING_UPLOAD longer than `expire_after`.
AssetFailure upload_expired_failure(std::chrono::seconds expire_after);
// The assets' failure when the photographer cancelled the batch.
AssetFailure upload_cancelled_failure();

// Inside one transaction: the batch PENDING_UPLOAD -> FAILED (STALE_STATE when it is no longer
// PENDING_UPLOAD), every asset still PENDING_UPLOAD -> FAILED with `failure`, and a
// media.batch.failed event in the outbox (event id "msg_batch{id}_abandoned", payload
// abandoned_batch_event_payload, sent with failure.traceparent). Returns the batch as moved; its
// assets in `assets` when given.
Result<Batch> abandon_upload(UnitOfWork& uow, const Batch& batch, const AssetFailure& failure,
                             Timestamp now, std::vector<Asset>* assets = nullptr);

// True for a batch abandoned during upload: FAILED without ever having had a job.
Result<bool> abandoned_during_upload(UnitOfWork& uow, const Batch& batch);

// Outside any transaction (store calls never hold one open): aborts every multipart upload
// recorded on `assets` (UPLOAD_NOT_FOUND means it is gone already) and removes every raw object of
// the batch (missing keys are not an error). Idempotent; tries everything and returns the first
// store error. Call it only for a batch that is no longer PENDING_UPLOAD and never had a job.
Status remove_raw_uploads(ObjectStore& store, MultipartStore& multipart, const Batch& batch,
                          const std::vector<Asset>& assets);

// The webhook payload announcing an abandoned batch (api-contract.md "Webhooks out"): the usual
// fields with "jobId": null (no job ever ran) and "reason" (UPLOAD_EXPIRED | UPLOAD_CANCELLED).
std::string abandoned_batch_event_payload(const Batch& batch, ErrorCode reason,
                                          Timestamp occurred_at, std::string_view listing_status);

}  // namespace toq::core

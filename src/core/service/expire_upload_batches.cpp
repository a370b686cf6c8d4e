#include "core/service/expire_upload_batches.hpp"

#include <utility>

#include "core/service/abandon_upload.hpp"

#include "support/trace_context.hpp"

namespace toq::core {

namespace {

struct Abandoned {
  Batch batch;
  std::vector<Asset> assets;
};

}  // namespace

Result<ExpireUploadBatchesReport> ExpireUploadBatches::run() {
  ExpireUploadBatchesReport report;
  const auto expire_after =
      std::chrono::duration_cast<std::chrono::milliseconds>(options_.expire_after);
  const auto url_ttl = std::chrono::duration_cast<std::chrono::milliseconds>(options_.url_ttl);

  // Step 1: expire.
  const Timestamp now = deps_.clock.now();
  auto due = deps_.db.transact([&](UnitOfWork& uow) {
    return uow.batches().list_expired_uploads(now - expire_after, options_.limit);
  });
  if (!due) return std::unexpected(due.error());
  for (const Batch& batch : *due) {
    AssetFailure failure = upload_expired_failure(options_.expire_after);
    failure.traceparent = support::new_trace_context().traceparent();
    auto abandoned = deps_.db.transact([&](UnitOfWork& uow) -> Result<Abandoned> {
      Abandoned out;
      auto moved = abandon_upload(uow, batch, failure, deps_.clock.now(), &out.assets);
      if (!moved) return std::unexpected(moved.error());
      out.batch = std::move(*moved);
      return out;
    });
    if (!abandoned) {
      // Lost the compare-and-set: someone else moved it, and it stays as they left it.
      if (abandoned.error().code != ErrorCode::kStaleState) {
        report.errors.push_back(abandoned.error());
      }
      continue;
    }
    report.expired.push_back(abandoned->batch.id);
    report.expired_traces.push_back(failure.traceparent);
    if (auto removed =
            remove_raw_uploads(deps_.store, deps_.multipart, abandoned->batch, abandoned->assets);
        !removed) {
      report.errors.push_back(removed.error());  // step 2 retries it
    }
  }

  // Step 2: the final cleanup of batches abandoned long enough ago.
  auto settled = deps_.db.transact([&](UnitOfWork& uow) {
    return uow.batches().list_raw_removal_due(deps_.clock.now() - url_ttl, options_.limit);
  });
  if (!settled) return std::unexpected(settled.error());
  for (const Batch& batch : *settled) {
    auto assets =
        deps_.db.transact([&](UnitOfWork& uow) { return uow.assets().list_by_batch(batch.id); });
    if (!assets) {
      report.errors.push_back(assets.error());
      continue;
    }
    if (auto removed = remove_raw_uploads(deps_.store, deps_.multipart, batch, *assets); !removed) {
      report.errors.push_back(removed.error());
      continue;
    }
    auto marked = deps_.db.transact([&](UnitOfWork& uow) {
      return uow.batches().mark_raw_removed(batch.id, deps_.clock.now());
    });
    if (!marked) {
      report.errors.push_back(marked.error());
      continue;
    }
    report.raw_removed.push_back(batch.id);
  }
  return report;
}

}  // namespace toq::core

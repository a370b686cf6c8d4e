#include "core/service/execution_runs.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "core/model/execution.hpp"
#include "core/model/object_keys.hpp"

#include "support/trace_context.hpp"

namespace toq::core {

Result<ExecutionInput> execution_input_for(const AwsProcessing& aws, const Job& job,
                                           ListingId listing, const std::vector<Asset>& assets) {
  const std::string_view traceparent = job.traceparent;
  if (assets.empty() || assets.size() > kMaxAssetsPerExecution) {
    return fail(ErrorCode::kInvalidRequest,
                fmt::format("batch {} has {} assets; a processing run takes 1 to {}",
                            job.batch_id.value, assets.size(), kMaxAssetsPerExecution));
  }
  if (!support::is_traceparent(traceparent)) {
    return fail(ErrorCode::kInvalidRequest,
                fmt::format("'{}' is not a W3C traceparent", traceparent));
  }
  ExecutionInput in;
  in.job = job.id;
  in.batch = job.batch_id;
  in.listing = listing;
  in.run = job.run;
  in.bucket = aws.bucket;
  in.output_prefix = job_output_prefix(listing, job.batch_id, job.id);
  in.traceparent = std::string(traceparent);
  in.max_concurrency = std::clamp(aws.max_concurrency, 1, kMaxMapConcurrency);
  std::int64_t declared = 0;
  for (const auto& a : assets) {
    declared += a.declared.bytes;
    in.assets.push_back(ExecutionAsset{a.id, a.declared, raw_key(listing, job.batch_id, a.id)});
  }
  std::sort(in.assets.begin(), in.assets.end(),
            [](const ExecutionAsset& x, const ExecutionAsset& y) { return x.asset < y.asset; });
  in.archive_runner =
      declared > aws.archive_lambda_max_bytes ? ArchiveRunner::kFargate : ArchiveRunner::kLambda;
  return in;
}

Status enqueue_execution(UnitOfWork& uow, const AwsProcessing& aws, const Job& job,
                         ListingId listing, const std::vector<Asset>& assets, Timestamp now) {
  auto input = execution_input_for(aws, job, listing, assets);
  if (!input) return std::unexpected(input.error());
  auto added = uow.starts().add(job.id, execution_name(job.id, job.run),
                                serialize_execution_input(*input), now);
  if (!added) return std::unexpected(added.error());
  return {};
}

Status begin_execution(UnitOfWork& uow, JobId job_id, std::string_view execution_arn,
                       Timestamp report_by, Timestamp now) {
  auto job = uow.jobs().find(job_id);
  if (!job) return std::unexpected(job.error());
  if (!*job) return fail(ErrorCode::kJobNotFound, fmt::format("job {} not found", job_id.value));
  auto start = uow.starts().find_by_job(job_id);
  if (!start) return std::unexpected(start.error());
  if (*start && !(*start)->started_at) {
    auto marked = uow.starts().mark_started((*start)->id, std::string(execution_arn), now);
    if (!marked) return std::unexpected(marked.error());
  }
  if ((*job)->status != JobStatus::kQueued) return {};
  auto started = uow.jobs().start(job_id, execution_name(job_id, (*job)->run), report_by, now);
  if (!started) return std::unexpected(started.error());
  auto batch = uow.batches().find((*job)->batch_id);
  if (!batch) return std::unexpected(batch.error());
  if (*batch && (*batch)->status == BatchStatus::kReceived) {
    auto moved = uow.batches().transition((*batch)->id, BatchStatus::kReceived,
                                          BatchStatus::kProcessing, now);
    if (!moved) return std::unexpected(moved.error());
  }
  auto assets = uow.assets().list_by_batch((*job)->batch_id);
  if (!assets) return std::unexpected(assets.error());
  for (const auto& a : *assets) {
    if (a.job_id == job_id &&
        (a.status == AssetStatus::kProcessing || a.status == AssetStatus::kReady ||
         a.status == AssetStatus::kFailed)) {
      continue;
    }
    auto marked = uow.assets().mark_processing(a.id, job_id, now);
    if (!marked) return std::unexpected(marked.error());
  }
  return {};
}

std::string traceparent_of(std::string_view serialized_input) {
  constexpr std::string_view kField = R"("traceparent":")";
  const auto at = serialized_input.find(kField);
  if (at == std::string_view::npos) return {};
  const auto value = serialized_input.substr(at + kField.size(), 55);
  return support::is_traceparent(value) ? std::string(value) : std::string();
}

}  // namespace toq::core

#include "adapter/http/converters/media_query_converters.hpp"

#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "core/model/media_type.hpp"
#include "core/model/status.hpp"
#include "core/model/time.hpp"

#include "adapter/http/converters/json_reader.hpp"

namespace toq::http::converters {
namespace {

template <class T>
nlohmann::json or_null(const std::optional<T>& value) {
  if (!value) return nullptr;
  return *value;
}

nlohmann::json time_or_null(const std::optional<core::Timestamp>& t) {
  if (!t) return nullptr;
  return core::format_rfc3339(*t);
}

nlohmann::json history_job_json(const core::Job& job) {
  nlohmann::json error = nullptr;
  if (job.error_code) {
    error = {{"code", core::to_string(*job.error_code)}, {"message", job.error_message}};
  }
  return {{"jobId", job.id.value},
          {"run", job.run},
          {"status", core::to_string(job.status)},
          {"attempt", job.attempt},
          {"createdAt", core::format_rfc3339(job.created_at)},
          {"startedAt", time_or_null(job.started_at)},
          {"completedAt", time_or_null(job.completed_at)},
          {"zip", job.archive.has_value()},
          {"error", std::move(error)}};
}

nlohmann::json job_json(const std::optional<core::Job>& job) {
  if (!job) return nullptr;
  return {{"jobId", job->id.value},
          {"status", core::to_string(job->status)},
          {"attempt", job->attempt},
          {"startedAt", time_or_null(job->started_at)},
          {"completedAt", time_or_null(job->completed_at)}};
}

nlohmann::json asset_json(const core::Asset& a) {
  nlohmann::json duration = nullptr;
  if (a.facts.duration_ms) duration = static_cast<double>(*a.facts.duration_ms) / 1000.0;
  nlohmann::json error = nullptr;
  if (a.failure) {
    error = {{"code", core::to_string(a.failure->code)},
             {"message", a.failure->message},
             {"hint", a.failure->hint}};
  }
  return {{"assetId", a.id.value},
          {"clientId", a.declared.client_id},
          {"mediaType", core::to_string(a.declared.media_type)},
          {"filename", a.declared.filename},
          {"title", a.declared.title},
          {"sequence", a.declared.sequence},
          {"status", core::to_string(a.status)},
          {"width", or_null(a.facts.width)},
          {"height", or_null(a.facts.height)},
          {"durationSeconds", std::move(duration)},
          {"error", std::move(error)}};
}

}  // namespace

core::Result<dto::BatchQueryRequest> parse_batch_query(const nlohmann::json& body) {
  JsonReader reader;
  const auto listing = reader.integer(body, "listingIdentityId", "");
  const auto batch = reader.integer(body, "batchId", "");
  if (reader.ok() && !listing) reader.add("listingIdentityId", "is required", "REQUIRED");
  if (!reader.ok()) return std::unexpected(reader.error(core::ErrorCode::kInvalidRequest));
  return dto::BatchQueryRequest{*listing, batch};
}

core::GetBatchStatusInput to_status_input(const dto::BatchQueryRequest& request,
                                          const core::Principal& caller) {
  return {caller, request.listing_identity_id, request.batch_id};
}

nlohmann::json to_json(const core::GetBatchStatusOutput& output) {
  auto assets = nlohmann::json::array();
  for (const auto& a : output.assets) assets.push_back(asset_json(a));
  nlohmann::json error = nullptr;
  if (output.error) {
    error = {{"code", core::to_string(output.error->code)}, {"message", output.error->message}};
  }
  return {{"listingIdentityId", output.listing_id.value},
          {"batchId", output.batch.id.value},
          {"status", core::to_string(output.batch.status)},
          {"createdAt", core::format_rfc3339(output.batch.created_at)},
          {"updatedAt", core::format_rfc3339(output.batch.updated_at)},
          {"job", job_json(output.job)},
          {"progress",
           {{"total", output.progress.total},
            {"ready", output.progress.ready},
            {"failed", output.progress.failed},
            {"processing", output.progress.processing}}},
          {"assets", std::move(assets)},
          {"error", std::move(error)}};
}

core::ListDownloadUrlsInput to_downloads_input(const dto::BatchQueryRequest& request,
                                               const core::Principal& caller) {
  return {caller, request.listing_identity_id, request.batch_id};
}

std::string hls_playlist_path(core::ListingId listing, core::BatchId batch, core::AssetId asset,
                              std::string_view playlist) {
  return fmt::format("/api/v2/listings/{}/batches/{}/assets/{}/hls/{}", listing.value, batch.value,
                     asset.value, playlist);
}

nlohmann::json to_json(const core::ListDownloadUrlsOutput& output) {
  auto assets = nlohmann::json::array();
  for (const auto& a : output.assets) {
    auto variants = nlohmann::json::array();
    for (const auto& v : a.variants) {
      variants.push_back({{"name", v.name},
                          {"format", v.format},
                          {"width", or_null(v.width)},
                          {"height", or_null(v.height)},
                          {"bytes", v.bytes},
                          {"url", v.url}});
    }
    assets.push_back(
        {{"assetId", a.asset_id.value},
         {"mediaType", core::to_string(a.media_type)},
         {"title", a.title},
         {"sequence", a.sequence},
         {"width", or_null(a.width)},
         {"height", or_null(a.height)},
         {"variants", std::move(variants)},
         {"hls",
          a.hls ? nlohmann::json{{"masterUrl", hls_playlist_path(output.listing_id, output.batch_id,
                                                                 a.asset_id, "master.m3u8")}}
                : nlohmann::json(nullptr)}});
  }
  return {{"listingIdentityId", output.listing_id.value},
          {"batchId", output.batch_id.value},
          {"expiresAt", core::format_rfc3339(output.expires_at)},
          {"zip",
           {{"url", output.zip.url},
            {"bytes", output.zip.bytes},
            {"filename", output.zip.filename},
            {"sha256", output.zip.sha256_hex}}},
          {"assets", std::move(assets)}};
}

core::Result<dto::HistoryRequest> parse_history(const nlohmann::json& body) {
  JsonReader reader;
  dto::HistoryRequest out;
  const auto listing = reader.integer(body, "listingIdentityId", "");
  out.cursor = reader.integer(body, "cursor", "");
  out.limit = reader.integer(body, "limit", "");
  if (reader.ok() && !listing) reader.add("listingIdentityId", "is required", "REQUIRED");
  if (!reader.ok()) return std::unexpected(reader.error(core::ErrorCode::kInvalidRequest));
  out.listing_identity_id = *listing;
  return out;
}

core::ListBatchHistoryInput to_history_input(const dto::HistoryRequest& request,
                                             const core::Principal& caller) {
  core::ListBatchHistoryInput in;
  in.caller = caller;
  in.listing_identity_id = request.listing_identity_id;
  in.before = request.cursor;
  if (request.limit) {
    // Out-of-range values stay out of range (the use case refuses them), never wrap into it.
    in.limit = static_cast<int>(
        std::clamp<std::int64_t>(*request.limit, -1, core::kMaxHistoryPageSize + 1));
  }
  return in;
}

nlohmann::json to_json(const core::ListBatchHistoryOutput& output) {
  auto batches = nlohmann::json::array();
  for (const auto& entry : output.batches) {
    const core::Batch& b = entry.batch;
    auto jobs = nlohmann::json::array();
    for (const auto& job : entry.jobs) jobs.push_back(history_job_json(job));
    nlohmann::json assets = nlohmann::json::object();
    std::int64_t total = 0;
    for (const auto& [status, count] : entry.assets) {
      assets[std::string{core::to_string(status)}] = count;
      total += count;
    }
    assets["total"] = total;
    batches.push_back({{"batchId", b.id.value},
                       {"reference", b.reference},
                       {"status", core::to_string(b.status)},
                       {"createdBy", b.created_by.value},
                       {"createdAt", core::format_rfc3339(b.created_at)},
                       {"updatedAt", core::format_rfc3339(b.updated_at)},
                       {"deleted", b.deleted_at.has_value()},
                       {"deletedAt", time_or_null(b.deleted_at)},
                       {"rawRemovedAt", time_or_null(b.raw_removed_at)},
                       {"objectsRemovedAt", time_or_null(b.objects_removed_at)},
                       {"assets", std::move(assets)},
                       {"jobs", std::move(jobs)}});
  }
  nlohmann::json next = nullptr;
  if (output.next_before) next = output.next_before->value;
  return {{"listingIdentityId", output.listing_id.value},
          {"batches", std::move(batches)},
          {"nextCursor", std::move(next)}};
}

nlohmann::json to_json(const core::Batch& deleted) {
  return {{"listingIdentityId", deleted.listing_id.value},
          {"batchId", deleted.id.value},
          {"status", core::to_string(deleted.status)},
          {"deletedAt", time_or_null(deleted.deleted_at)}};
}

}  // namespace toq::http::converters

#include "adapter/http/converters/media_query_converters.hpp"

#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "core/model/media_type.hpp"
#include "core/model/status.hpp"
#include "core/model/time.hpp"

#include "adapter/http/converters/json_reader.hpp"
#include "support/json/json_writer.hpp"

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

// The status answer's parts, each object's keys in byte order (as nlohmann::json sorts them, so
// the bytes are those the route wrote when it built a tree).
template <class T, class Write>
void write_or_null(support::JsonWriter& w, const std::optional<T>& value, const Write& write) {
  if (value) {
    write(*value);
  } else {
    w.null();
  }
}

void write_time_or_null(support::JsonWriter& w, const std::optional<core::Timestamp>& t) {
  write_or_null(w, t, [&](core::Timestamp v) { w.string(core::format_rfc3339(v)); });
}

template <class T>
void write_integer_or_null(support::JsonWriter& w, const std::optional<T>& value) {
  write_or_null(w, value, [&](T v) { w.integer(v); });
}

// {"code", "hint" (when given), "message"}.
void write_error(support::JsonWriter& w, core::ErrorCode code, const std::string& message,
                 const std::string* hint) {
  w.begin_object();
  w.string("code", core::to_string(code));
  if (hint) {
    w.string("hint", *hint);
  }
  w.string("message", message);
  w.end_object();
}

void write_job(support::JsonWriter& w, const core::Job& job) {
  w.begin_object();
  w.integer("attempt", job.attempt);
  w.key("completedAt");
  write_time_or_null(w, job.completed_at);
  w.integer("jobId", job.id.value);
  w.key("startedAt");
  write_time_or_null(w, job.started_at);
  w.string("status", core::to_string(job.status));
  w.end_object();
}

void write_asset(support::JsonWriter& w, const core::Asset& a) {
  w.begin_object();
  w.integer("assetId", a.id.value);
  w.string("clientId", a.declared.client_id);
  w.key("durationSeconds");
  write_or_null(w, a.facts.duration_ms,
                [&](std::int64_t ms) { w.number(static_cast<double>(ms) / 1000.0); });
  w.key("error");
  write_or_null(w, a.failure,
                [&](const core::AssetFailure& f) { write_error(w, f.code, f.message, &f.hint); });
  w.string("filename", a.declared.filename);
  w.key("height");
  write_integer_or_null(w, a.facts.height);
  w.string("mediaType", core::to_string(a.declared.media_type));
  w.integer("sequence", a.declared.sequence);
  w.string("status", core::to_string(a.status));
  w.string("title", a.declared.title);
  w.key("width");
  write_integer_or_null(w, a.facts.width);
  w.end_object();
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

std::string status_json(const core::GetBatchStatusOutput& output) {
  std::string out;
  // 20 assets come to about 6 KB: one allocation for the usual batch.
  out.reserve(512 + 320 * output.assets.size());
  support::JsonWriter w(out);
  w.begin_object();
  w.key("assets");
  w.begin_array();
  for (const auto& a : output.assets) write_asset(w, a);
  w.end_array();
  w.integer("batchId", output.batch.id.value);
  w.string("createdAt", core::format_rfc3339(output.batch.created_at));
  w.key("error");
  write_or_null(w, output.error,
                [&](const core::BatchFailure& f) { write_error(w, f.code, f.message, nullptr); });
  w.key("job");
  write_or_null(w, output.job, [&](const core::Job& job) { write_job(w, job); });
  w.integer("listingIdentityId", output.listing_id.value);
  w.key("progress");
  w.begin_object();
  w.integer("failed", output.progress.failed);
  w.integer("processing", output.progress.processing);
  w.integer("ready", output.progress.ready);
  w.integer("total", output.progress.total);
  w.end_object();
  w.string("status", core::to_string(output.batch.status));
  w.string("updatedAt", core::format_rfc3339(output.batch.updated_at));
  w.end_object();
  return out;
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

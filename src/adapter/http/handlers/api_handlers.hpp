#pragma once
// One handler per API route: parse the request JSON into a dto, call the use case, turn its
// output into the response JSON. Handlers never build an error body: they return the core::Error
// and api_routes.cpp maps it with error_mapper (the one mapping). Authentication and the body
// size limit are checked by api_routes before a handler runs; authorization is the use case's
// (api_routes runs the role-only ones, RegisterListing::authorize and the admin use cases', before
// the handler).

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/model/error.hpp"
#include "core/model/principal.hpp"
#include "core/service/cancel_upload_batch.hpp"
#include "core/service/complete_upload_batch.hpp"
#include "core/service/create_upload_batch.hpp"
#include "core/service/delete_batch.hpp"
#include "core/service/get_batch_status.hpp"
#include "core/service/get_hls_playlist.hpp"
#include "core/service/list_batch_history.hpp"
#include "core/service/list_download_urls.hpp"
#include "core/service/record_processing_result.hpp"
#include "core/service/refresh_upload_urls.hpp"
#include "core/service/register_listing.hpp"
#include "core/service/reprocess_batch.hpp"
#include "core/service/retry_batch.hpp"

#include "support/json/log_ids.hpp"

namespace toq::http::handlers {

// The Standard Webhooks headers of a signed request (empty when missing).
struct SignatureHeaders {
  std::string id;
  std::string timestamp;
  std::string signature;
};

// What the handlers need, filled in by the composition root. The use cases must outlive the
// server's serving; they are called from several threads at once (each run() is independent).
struct ApiServices {
  core::RegisterListing* listings = nullptr;
  core::CreateUploadBatch* create_batch = nullptr;
  core::CompleteUploadBatch* complete_batch = nullptr;
  core::RefreshUploadUrls* refresh_urls = nullptr;
  core::GetBatchStatus* batch_status = nullptr;
  core::ListDownloadUrls* download_urls = nullptr;
  core::GetHlsPlaylist* hls_playlist = nullptr;
  core::RetryBatch* retry_batch = nullptr;
  core::CancelUploadBatch* cancel_batch = nullptr;
  core::ListBatchHistory* batch_history = nullptr;
  core::DeleteBatch* delete_batch = nullptr;
  core::ReprocessBatch* reprocess_batch = nullptr;
  // Called after complete (the call that created the job), retry or reprocess committed a new
  // job, from the handler's thread: the embedded mode wakes its idle workers with it. Unset: no
  // one is told (the workers find the job at their poll).
  std::function<void()> job_queued;
  // The AWS mode's callback (null elsewhere: the route is not mounted): the use case, the check
  // of the pipeline's signature (UNAUTHENTICATED when it fails), and a note of each outcome (logs).
  core::RecordProcessingResult* record_result = nullptr;
  std::function<core::Status(const SignatureHeaders&, std::string_view body)> verify_callback;
  std::function<void(const core::RecordProcessingResultOutput&, std::string_view webhook_id)>
      on_callback;
  // Readiness probes (GET /readyz): ok when the dependency answers. check_pipeline is set in the
  // AWS mode only (Step Functions or SQS).
  std::function<core::Status()> check_database;
  std::function<core::Status()> check_store;
  std::function<core::Status()> check_pipeline;
  // Free space of the data disk; unset: not checked (no "disk" entry).
  std::function<core::Status()> check_disk;
};

struct ApiRequest {
  std::string body;                      // the whole request body (already size-limited)
  std::string path_param;                // the route's first path parameter, if it has one
  std::vector<std::string> path_params;  // every path parameter, in order
  // The bearer token when it came in the `access_token` query parameter (routes that accept it),
  // else "".
  std::string query_access_token;
  core::Principal caller;  // the verified caller (routes with authentication)
  // The request's W3C trace context (its traceparent header when valid, else a new one): carried
  // into the job it creates (the worker's logs, the webhooks, the AWS mode's execution input).
  std::string traceparent{};
  // The request headers a route reads itself (the callback's webhook-*), lower-case names.
  std::map<std::string, std::string> headers;
  // The ids the body names (support::log_ids), set by a handler that parsed the body, so that the
  // access log does not parse it a second time (a create's manifest of 100 files); unset, the
  // route parses the body for them. mutable: the handler sees the request as const.
  mutable std::optional<support::LogIds> body_log_ids{};
};

struct ApiResponse {
  ApiResponse() = default;
  ApiResponse(int status_code, nlohmann::json json_body)
      : status(status_code), body(std::move(json_body)) {}

  // The ids a written JSON body names at its top level, under their JSON names
  // ({"batchId", 51}): the access log's, as support::add_log_ids reads them from a tree.
  using JsonIds = std::vector<std::pair<std::string_view, std::int64_t>>;

  // A JSON body written as text (the status route's): sent instead of `body`, as JSON.
  static ApiResponse json_text(int status_code, std::string text, JsonIds ids) {
    ApiResponse out;
    out.status = status_code;
    out.written_json = std::move(text);
    out.json_ids = std::move(ids);
    return out;
  }

  int status = 200;
  nlohmann::json body;  // not sent for 204
  std::string written_json;
  JsonIds json_ids;
  // A body that is not JSON (an HLS playlist): sent as it is with this Content-Type, with
  // `headers`, instead of `body`.
  std::string content_type;
  std::string text;
  std::vector<std::pair<std::string, std::string>> headers;
};

using HandlerResult = core::Result<ApiResponse>;

// PUT /api/v2/internal/listings/{listingIdentityId} -> 200 the stored listing.
HandlerResult handle_put_listing(const ApiServices& services, const ApiRequest& request);
// GET /api/v2/internal/listings/{listingIdentityId} -> 200 the listing, 404 LISTING_NOT_FOUND.
HandlerResult handle_get_listing(const ApiServices& services, const ApiRequest& request);
// POST /api/v2/listings/media/uploads -> 201 the batch and its upload instructions.
HandlerResult handle_create_upload_batch(const ApiServices& services, const ApiRequest& request);
// POST /api/v2/listings/media/uploads/complete -> 202 when this call created the job, 200 when
// the batch was already past PENDING_UPLOAD (same jobId).
HandlerResult handle_complete_upload_batch(const ApiServices& services, const ApiRequest& request);
// POST /api/v2/listings/media/uploads/urls -> 200 where the upload stands, with fresh URLs.
HandlerResult handle_refresh_upload_urls(const ApiServices& services, const ApiRequest& request);
// POST /api/v2/listings/media/status -> 200 the batch, its job, progress and assets.
HandlerResult handle_get_batch_status(const ApiServices& services, const ApiRequest& request);
// POST /api/v2/listings/media/downloads -> 200 the download URLs, 204 when nothing is READY.
HandlerResult handle_list_download_urls(const ApiServices& services, const ApiRequest& request);
// GET /api/v2/listings/{listingIdentityId}/batches/{batchId}/assets/{assetId}/hls/{playlist}
// -> 200 the playlist (application/vnd.apple.mpegurl) with presigned URLs, private, cached at
// most until they expire.
HandlerResult handle_get_hls_playlist(const ApiServices& services, const ApiRequest& request);
// POST /api/v2/listings/media/uploads/retry -> 202 the new job.
HandlerResult handle_retry_batch(const ApiServices& services, const ApiRequest& request);
// POST /api/v2/listings/media/uploads/cancel -> 200 the batch, FAILED (also when it had been
// cancelled or had expired already).
HandlerResult handle_cancel_upload_batch(const ApiServices& services, const ApiRequest& request);
// POST /api/v2/listings/media/callback (AWS mode; signed, not JWT) -> 200 {"status": "applied" |
// "already_applied" | "stale", "jobId", "batchId", "batchStatus"}; 401 for a bad signature or a
// timestamp off by more than 5 minutes, 400 for a body that breaks the contract, 404 for a job that
// does not exist.
HandlerResult handle_processing_callback(const ApiServices& services, const ApiRequest& request);
// POST /api/v2/admin/listings/media/batches -> 200 a page of the listing's batch history.
HandlerResult handle_list_batch_history(const ApiServices& services, const ApiRequest& request);
// POST /api/v2/admin/listings/media/batches/delete -> 200 the batch, deleted (also when it was
// deleted already).
HandlerResult handle_delete_batch(const ApiServices& services, const ApiRequest& request);
// POST /api/v2/admin/listings/media/batches/reprocess -> 202 the new job (as retry).
HandlerResult handle_reprocess_batch(const ApiServices& services, const ApiRequest& request);
// GET /healthz -> 200 {"status": "ok"} while the process serves.
ApiResponse handle_healthz();
// GET /readyz -> 200 when the database, the store (in the AWS mode the pipeline, and the data disk
// its free-space floor when check_disk is set) answer, else 503; `on_failure` receives each
// failing probe's error (for the log; clients only see "unavailable").
ApiResponse handle_readyz(
    const ApiServices& services,
    const std::function<void(std::string_view, const core::Error&)>& on_failure);

// "28" -> 28; INVALID_REQUEST unless 1..18 ASCII digits with a value >= 1.
core::Result<std::int64_t> parse_id_param(std::string_view text, std::string_view name);

}  // namespace toq::http::handlers

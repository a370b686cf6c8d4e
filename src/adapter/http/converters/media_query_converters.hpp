#pragma once
// dto <-> core for the read routes (status, downloads).
// - parse_batch_query: {"listingIdentityId" (required), "batchId"? (integer or null)};
//   INVALID_REQUEST with FieldErrors for a wrong type or a missing listingIdentityId.
// - status_json(GetBatchStatusOutput): the contract's status body, written as text (no JSON tree:
//   the route is the API's busiest), keys in byte order as nlohmann::json dumps them. Absent
//   values are JSON null (job before complete, width/height/durationSeconds before processing,
//   error when none); durationSeconds is the measured duration in seconds (milliseconds as a
//   fraction).
// - to_json(ListDownloadUrlsOutput): the contract's downloads body; zip.sha256 is hex.
// Admin routes:
// - parse_history: {"listingIdentityId" (required), "cursor"?, "limit"? (integers or null)};
//   INVALID_REQUEST as parse_batch_query. to_json(ListBatchHistoryOutput): the history page.
// - to_json(Batch): a deleted batch's answer (listingIdentityId, batchId, status, deletedAt).

#include <string>

#include <nlohmann/json.hpp>

#include "core/service/delete_batch.hpp"
#include "core/service/get_batch_status.hpp"
#include "core/service/list_batch_history.hpp"
#include "core/service/list_download_urls.hpp"

#include "adapter/http/dto/media_query_dto.hpp"

namespace toq::http::converters {

core::Result<dto::BatchQueryRequest> parse_batch_query(const nlohmann::json& body);

core::GetBatchStatusInput to_status_input(const dto::BatchQueryRequest& request,
                                          const core::Principal& caller);
std::string status_json(const core::GetBatchStatusOutput& output);

core::ListDownloadUrlsInput to_downloads_input(const dto::BatchQueryRequest& request,
                                               const core::Principal& caller);
// An asset with HLS renditions carries "hls": {"masterUrl": its master playlist's path on this
// API}, the others "hls": null.
nlohmann::json to_json(const core::ListDownloadUrlsOutput& output);
// "/api/v2/listings/28/batches/5/assets/9/hls/master.m3u8": the playlist route's path.
std::string hls_playlist_path(core::ListingId listing, core::BatchId batch, core::AssetId asset,
                              std::string_view playlist);

core::Result<dto::HistoryRequest> parse_history(const nlohmann::json& body);
core::ListBatchHistoryInput to_history_input(const dto::HistoryRequest& request,
                                             const core::Principal& caller);
nlohmann::json to_json(const core::ListBatchHistoryOutput& output);
nlohmann::json to_json(const core::Batch& deleted);

}  // namespace toq::http::converters

#pragma once
// dto <-> core for the read routes (status, downloads).
// - parse_batch_query: {"listingIdentityId" (required), "batchId"? (integer or null)};
//   INVALID_REQUEST with FieldErrors for a wrong type or a missing listingIdentityId.
// - to_json(GetBatchStatusOutput): the contract's status body. Absent values are JSON null
//   (job before complete, width/height/durationSeconds before processing, error when none);
//   durationSeconds is the measured duration in seconds (milliseconds as a fraction).
// - to_json(ListDownloadUrlsOutput): the contract's downloads body; zip.sha256 is hex.

#include <nlohmann/json.hpp>

#include "core/service/get_batch_status.hpp"
#include "core/service/list_download_urls.hpp"

#include "adapter/http/dto/media_query_dto.hpp"

namespace toq::http::converters {

core::Result<dto::BatchQueryRequest> parse_batch_query(const nlohmann::json& body);

core::GetBatchStatusInput to_status_input(const dto::BatchQueryRequest& request,
                                          const core::Principal& caller);
nlohmann::json to_json(const core::GetBatchStatusOutput& output);

core::ListDownloadUrlsInput to_downloads_input(const dto::BatchQueryRequest& request,
                                               const core::Principal& caller);
nlohmann::json to_json(const core::ListDownloadUrlsOutput& output);

}  // namespace toq::http::converters

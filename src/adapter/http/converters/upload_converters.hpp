#pragma once
// dto <-> core for the upload routes.
// - parse_create_upload: the manifest JSON onto core::ManifestInput. Absent or null fields stay
//   nullopt (the use case reports REQUIRED and every value rule); a field of the wrong JSON type
//   is INVALID_MANIFEST with a FieldError at its path ("files[2].bytes": "expected an integer"),
//   reported before the use case runs.
// - parse_complete_upload: INVALID_REQUEST with FieldErrors for wrong types or missing ids.
// - parse_refresh_urls / parse_retry / parse_cancel: the same (listingIdentityId and batchId
//   required; clientIds, when present and not null, an array of strings; partNumbers, when present
//   and not null, an array of integers 1..10000 whose other rules are the use case's).

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/service/cancel_upload_batch.hpp"
#include "core/service/complete_upload_batch.hpp"
#include "core/service/create_upload_batch.hpp"
#include "core/service/refresh_upload_urls.hpp"
#include "core/service/retry_batch.hpp"

#include "adapter/http/dto/upload_dto.hpp"

namespace toq::http::converters {

core::Result<dto::CreateUploadRequest> parse_create_upload(const nlohmann::json& body);
// The create answer written as text, byte for byte what nlohmann::json's dump writes for the
// contract's object (keys in byte order; an upload's headers one per name, the last).
std::string create_upload_json(const core::CreateUploadBatchOutput& output);

core::Result<dto::CompleteUploadRequest> parse_complete_upload(const nlohmann::json& body);
core::CompleteUploadBatchInput to_complete_input(const dto::CompleteUploadRequest& request,
                                                 const core::Principal& caller,
                                                 std::string_view traceparent);
dto::CompleteUploadResponse to_complete_response(const core::CompleteUploadBatchOutput& output);
nlohmann::json to_json(const dto::CompleteUploadResponse& response);

core::Result<dto::RefreshUrlsRequest> parse_refresh_urls(const nlohmann::json& body);
core::RefreshUploadUrlsInput to_refresh_input(const dto::RefreshUrlsRequest& request,
                                              const core::Principal& caller);
nlohmann::json to_json(const core::RefreshUploadUrlsOutput& output);

// {"listingIdentityId", "batchId"}, both required (retry, cancel, the admin delete and reprocess).
core::Result<dto::BatchRefRequest> parse_batch_ref(const nlohmann::json& body);

core::Result<dto::RetryRequest> parse_retry(const nlohmann::json& body);
core::RetryBatchInput to_retry_input(const dto::RetryRequest& request,
                                     const core::Principal& caller, std::string_view traceparent);
dto::RetryResponse to_retry_response(const core::RetryBatchOutput& output);
nlohmann::json to_json(const dto::RetryResponse& response);

core::Result<dto::CancelRequest> parse_cancel(const nlohmann::json& body);
core::CancelUploadBatchInput to_cancel_input(const dto::CancelRequest& request,
                                             const core::Principal& caller,
                                             std::string_view traceparent);
dto::CancelResponse to_cancel_response(const core::CancelUploadBatchOutput& output);
nlohmann::json to_json(const dto::CancelResponse& response);

}  // namespace toq::http::converters

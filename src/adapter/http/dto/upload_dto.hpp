#pragma once
// Wire shapes of the upload routes (no logic).
// - POST /api/v2/listings/media/uploads: the request is the manifest as the client sent it; its
//   JSON maps field by field onto core::ManifestInput (absent or null fields stay nullopt, so the
//   use case reports them), which is therefore the request DTO. The 201 body is written from
//   core::CreateUploadBatchOutput by converters/upload_converters.
// - POST /api/v2/listings/media/uploads/complete: CompleteUploadRequest below; the answer is
//   CompleteUploadResponse.
// - POST /api/v2/listings/media/uploads/urls: RefreshUrlsRequest; the 200 body is written from
//   core::RefreshUploadUrlsOutput (create's `files` shape plus `uploaded` / `uploadedParts`).
// - POST /api/v2/listings/media/uploads/retry: RetryRequest; the answer is RetryResponse.
// - POST /api/v2/listings/media/uploads/cancel: CancelRequest; the answer is CancelResponse.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/model/manifest.hpp"

namespace toq::http::dto {

using CreateUploadRequest = core::ManifestInput;

struct CompletedPartDto {
  int part_number = 0;
  std::string etag;
};

struct CompletedFileDto {
  std::string client_id;
  std::vector<CompletedPartDto> parts;
};

struct CompleteUploadRequest {
  std::int64_t listing_identity_id = 0;
  std::int64_t batch_id = 0;
  std::vector<CompletedFileDto> files;
};

struct CompleteUploadResponse {
  std::int64_t batch_id = 0;
  std::int64_t job_id = 0;
  std::string status;
  std::int64_t estimated_duration_seconds = 0;
};

struct RefreshUrlsRequest {
  std::int64_t listing_identity_id = 0;
  std::int64_t batch_id = 0;
  std::optional<std::vector<std::string>> client_ids;  // absent or null: every file
  std::vector<std::int64_t> part_numbers;              // absent or null: the first missing parts
};

// {"listingIdentityId", "batchId"}: the request of the routes that act on one batch.
struct BatchRefRequest {
  std::int64_t listing_identity_id = 0;
  std::int64_t batch_id = 0;
};
using RetryRequest = BatchRefRequest;
using CancelRequest = BatchRefRequest;

struct RetryResponse {
  std::int64_t batch_id = 0;
  std::int64_t job_id = 0;
  std::string status;
};

struct CancelResponse {
  std::int64_t listing_identity_id = 0;
  std::int64_t batch_id = 0;
  std::string status;
};

}  // namespace toq::http::dto

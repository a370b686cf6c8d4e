#pragma once
// Wire shapes of the read routes (no logic).
// - POST /api/v2/listings/media/status and POST /api/v2/listings/media/downloads take the same
//   body, BatchQueryRequest: {"listingIdentityId": 28, "batchId"?: 51}.
// - Their answers are written from core::GetBatchStatusOutput and core::ListDownloadUrlsOutput by
//   converters/media_query_converters (the contract's JSON, field by field).

#include <cstdint>
#include <optional>

namespace toq::http::dto {

// POST /api/v2/admin/listings/media/batches: {"listingIdentityId": 28, "cursor"?: 51,
// "limit"?: 20}.
struct HistoryRequest {
  std::int64_t listing_identity_id = 0;
  std::optional<std::int64_t> cursor;  // the previous page's nextCursor
  std::optional<std::int64_t> limit;
};

struct BatchQueryRequest {
  std::int64_t listing_identity_id = 0;
  std::optional<std::int64_t> batch_id;  // absent or null: the route's default batch
};

}  // namespace toq::http::dto

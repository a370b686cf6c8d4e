#pragma once
// Use case: a listing's batches with their jobs and outcomes, for operators (admin only).
// POST /api/v2/admin/listings/media/batches.
//
// Contract, in one read transaction:
// 1. The caller is an admin (FORBIDDEN), the listing exists (LISTING_NOT_FOUND).
// 2. A page of the listing's batches, deleted ones included (with deleted_at), newest first:
//    ids below `before` when given, at most `limit` (1..kMaxHistoryPageSize, INVALID_REQUEST
//    otherwise). next_before is the last batch's id when more batches follow, else nullopt; a
//    batch created after the first page is read never shifts a later page.
// 3. For each batch: its jobs in run order (status, times, error) and its assets counted by status.

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "core/model/batch.hpp"
#include "core/model/error.hpp"
#include "core/model/job.hpp"
#include "core/model/principal.hpp"
#include "core/model/status.hpp"
#include "core/model/time.hpp"
#include "core/port/database.hpp"

namespace toq::core {

inline constexpr int kMaxHistoryPageSize = 100;
inline constexpr int kDefaultHistoryPageSize = 20;

struct ListBatchHistoryInput {
  Principal caller;
  std::int64_t listing_identity_id = 0;
  std::optional<std::int64_t> before;  // the cursor: next_before of the previous page
  int limit = kDefaultHistoryPageSize;
};

struct BatchHistoryEntry {
  Batch batch;
  std::vector<Job> jobs;                       // run order
  std::map<AssetStatus, std::int64_t> assets;  // how many assets are in each status
};

struct ListBatchHistoryOutput {
  ListingId listing_id;
  std::vector<BatchHistoryEntry> batches;  // newest first
  std::optional<BatchId> next_before;      // nullopt on the last page
};

class ListBatchHistory {
 public:
  struct Deps {
    Database& db;
  };

  explicit ListBatchHistory(Deps deps) : deps_(deps) {}

  // FORBIDDEN unless the caller is an admin: the check run() makes first, which the route also
  // runs before it reads the body (a caller without the role gets 403 whatever it sent).
  static Status authorize(const Principal& caller);

  Result<ListBatchHistoryOutput> run(const ListBatchHistoryInput& input);

 private:
  Deps deps_;
};

}  // namespace toq::core

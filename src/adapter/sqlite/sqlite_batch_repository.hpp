#pragma once

#include "core/port/batch_repository.hpp"

#include "adapter/sql/repository_errors.hpp"
#include "adapter/sqlite/connection.hpp"

namespace toq::sqlite {

// BatchRepository on one SQLite connection (inside the unit of work's transaction).
class SqliteBatchRepository final : public core::BatchRepository {
 public:
  explicit SqliteBatchRepository(Connection& conn) : conn_(conn) {}
  Result<core::Batch> create(const core::NewBatch& batch, core::Timestamp now) override;
  Result<std::optional<core::Batch>> find(core::BatchId id) override;
  Result<std::optional<core::Batch>> find_latest(core::ListingId listing) override;
  Result<std::optional<core::Batch>> find_latest(core::ListingId listing,
                                                 core::BatchStatus status) override;
  Result<std::optional<core::Batch>> find_latest_published(core::ListingId listing) override;
  Result<std::optional<core::Batch>> find_open(core::ListingId listing) override;
  Result<std::vector<core::Batch>> list_by_listing(core::ListingId listing) override;
  Result<core::Batch> transition(core::BatchId id, core::BatchStatus from, core::BatchStatus to,
                                 core::Timestamp now) override;
  Result<core::Batch> soft_delete(core::BatchId id, core::Timestamp now) override;
  Result<std::vector<core::Batch>> list_expired_uploads(core::Timestamp created_before,
                                                        int limit) override;
  Result<std::vector<core::Batch>> list_raw_removal_due(core::Timestamp abandoned_before,
                                                        int limit) override;
  Result<core::Batch> mark_raw_removed(core::BatchId id, core::Timestamp now) override;
  Result<std::vector<core::Batch>> list_page(core::ListingId listing,
                                             std::optional<core::BatchId> before,
                                             int limit) override;
  Result<std::vector<core::Batch>> list_purge_due(core::Timestamp deleted_before,
                                                  int limit) override;
  Result<core::Batch> mark_objects_removed(core::BatchId id, core::Timestamp now) override;
  Result<std::vector<core::Batch>> list_raw_retention_due(core::Timestamp settled_before,
                                                          int limit) override;

 private:
  // Sets `column` (and updated_at when `touch`) to `now` on a closed batch where it is still
  // null, unless `refuse` objects to the batch as found; the batch as stored afterwards, and
  // whether this call set it.
  Result<sql::Stamped> stamp_closed(core::BatchId id, std::string_view column, bool touch,
                                    const sql::StampRefusal& refuse, core::Timestamp now);
  core::Error open_batch_conflict(core::ListingId listing, core::Error cause);
  Connection& conn_;
};

}  // namespace toq::sqlite

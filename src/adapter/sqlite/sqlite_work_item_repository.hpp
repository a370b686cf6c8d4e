#pragma once

#include <functional>

#include "core/port/work_item_repository.hpp"

#include "adapter/sqlite/connection.hpp"

namespace toq::sqlite {

// WorkItemRepository on one SQLite connection (inside the unit of work's transaction).
class SqliteWorkItemRepository final : public core::WorkItemRepository {
 public:
  explicit SqliteWorkItemRepository(Connection& conn) : conn_(conn) {}
  Result<int> plan(core::JobId job, const std::vector<core::PlannedItem>& items,
                   core::Timestamp now) override;
  Result<std::optional<core::WorkItem>> claim_next(std::string_view owner,
                                                   core::Timestamp lease_expires_at,
                                                   core::Timestamp now,
                                                   std::optional<core::JobId> job) override;
  Result<core::WorkItem> heartbeat(core::JobId job, core::AssetId asset, std::string_view owner,
                                   core::Timestamp lease_expires_at, core::Timestamp now) override;
  Result<core::WorkItem> complete(core::JobId job, core::AssetId asset, std::string_view owner,
                                  core::Timestamp now) override;
  Result<core::WorkItem> release(core::JobId job, core::AssetId asset, std::string_view owner,
                                 core::Timestamp available_at, std::string_view reason,
                                 core::Timestamp now) override;
  Result<int> close_open(core::JobId job, core::Timestamp now) override;
  Result<std::vector<core::WorkItem>> list_by_job(core::JobId job) override;

 private:
  Result<std::optional<core::WorkItem>> find(core::JobId job, core::AssetId asset);
  // An UPDATE of a RUNNING item held by `owner` (?1 job, ?2 asset, ?3 owner); STALE_STATE when
  // not held.
  Result<core::WorkItem> held(core::JobId job, core::AssetId asset, std::string_view owner,
                              std::string_view set_clause,
                              const std::function<void(Statement&)>& bind_extra);
  Connection& conn_;
};

}  // namespace toq::sqlite

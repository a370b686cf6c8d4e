#pragma once
// The unit of work of a SQL adapter: its seven repositories bound to the one connection that holds
// the transaction.

#include "core/port/database.hpp"

namespace toq::sql {

template <class Connection, class Listings, class Batches, class Assets, class Jobs, class Outbox,
          class Starts, class Items>
class RepositoriesOn final : public core::UnitOfWork {
 public:
  explicit RepositoriesOn(Connection& conn)
      : listings_(conn),
        batches_(conn),
        assets_(conn),
        jobs_(conn),
        outbox_(conn),
        starts_(conn),
        items_(conn) {}
  core::ListingRepository& listings() override { return listings_; }
  core::BatchRepository& batches() override { return batches_; }
  core::AssetRepository& assets() override { return assets_; }
  core::JobRepository& jobs() override { return jobs_; }
  core::OutboxRepository& outbox() override { return outbox_; }
  core::ExecutionStartRepository& starts() override { return starts_; }
  core::WorkItemRepository& items() override { return items_; }

 private:
  Listings listings_;
  Batches batches_;
  Assets assets_;
  Jobs jobs_;
  Outbox outbox_;
  Starts starts_;
  Items items_;
};

}  // namespace toq::sql

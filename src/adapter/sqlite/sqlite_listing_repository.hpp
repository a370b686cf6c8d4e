#pragma once

#include "core/port/listing_repository.hpp"

#include "adapter/sqlite/connection.hpp"

namespace toq::sqlite {

// ListingRepository on one SQLite connection (inside the unit of work's transaction).
class SqliteListingRepository final : public core::ListingRepository {
 public:
  explicit SqliteListingRepository(Connection& conn) : conn_(conn) {}
  Result<core::Listing> upsert(const core::Listing& listing, core::Timestamp now) override;
  Result<std::optional<core::Listing>> find(core::ListingId id) override;
  Result<core::Listing> set_status(core::ListingId id, std::string_view status,
                                   core::Timestamp now) override;

 private:
  Connection& conn_;
};

}  // namespace toq::sqlite

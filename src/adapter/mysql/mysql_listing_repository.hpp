#pragma once

#include "core/port/listing_repository.hpp"

#include "adapter/mysql/connection.hpp"

namespace toq::mysql {

// ListingRepository on one MySQL connection (inside the unit of work's transaction).
class MysqlListingRepository final : public core::ListingRepository {
 public:
  explicit MysqlListingRepository(Connection& conn) : conn_(conn) {}
  Result<core::Listing> upsert(const core::Listing& listing, core::Timestamp now) override;
  Result<std::optional<core::Listing>> find(core::ListingId id) override;
  Result<core::Listing> set_status(core::ListingId id, std::string_view status,
                                   core::Timestamp now) override;

 private:
  Result<core::Listing> require(core::ListingId id);
  Connection& conn_;
};

}  // namespace toq::mysql

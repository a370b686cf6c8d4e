#pragma once

#include <optional>

#include "core/model/error.hpp"
#include "core/model/listing.hpp"

namespace toq::core {

// The listing mirror.
//
// Contract (every adapter, checked by tests/conformance/listing_repository_conformance.hpp):
// - upsert() inserts or replaces every field of the listing with that id, sets updated_at to `now`
//   and returns the stored row. It never fails because the row exists.
// - find() returns nullopt when no listing has that id (absence is not an error).
// - set_status() changes only status and updated_at; LISTING_NOT_FOUND when missing.
// - Errors are DATABASE_ERROR or DATABASE_BUSY; no method throws.
class ListingRepository {
 public:
  virtual ~ListingRepository() = default;
  virtual Result<Listing> upsert(const Listing& listing, Timestamp now) = 0;
  virtual Result<std::optional<Listing>> find(ListingId id) = 0;
  virtual Result<Listing> set_status(ListingId id, std::string_view status, Timestamp now) = 0;
};

}  // namespace toq::core

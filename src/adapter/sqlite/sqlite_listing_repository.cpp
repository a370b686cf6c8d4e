#include "adapter/sqlite/sqlite_listing_repository.hpp"

#include <fmt/format.h>

#include "adapter/sqlite/sql_util.hpp"

namespace toq::sqlite {

using core::Listing;

namespace {
const std::string kSelect =
    fmt::format("SELECT {} FROM listings WHERE id = ?1", sql::kListingColumns);
}  // namespace

Result<Listing> SqliteListingRepository::upsert(const Listing& listing, core::Timestamp now) {
  if (auto v = core::validate_listing_status(listing.status); !v) return std::unexpected(v.error());
  auto stmt = conn_.prepare(
      "INSERT INTO listings (id, owner_id, photographer_id, kind, status, updated_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
      "ON CONFLICT (id) DO UPDATE SET owner_id = excluded.owner_id, "
      "photographer_id = excluded.photographer_id, kind = excluded.kind, "
      "status = excluded.status, updated_at = excluded.updated_at");
  if (!stmt) return std::unexpected(stmt.error());
  std::optional<std::int64_t> photographer;
  if (listing.photographer_id) photographer = listing.photographer_id->value;
  stmt->bind_all(listing.id.value, listing.owner_id.value, photographer,
                 core::to_string(listing.kind), listing.status, to_ms(now));
  if (auto r = stmt->run(); !r) return std::unexpected(r.error());
  auto stored = find(listing.id);
  if (!stored) return std::unexpected(stored.error());
  return **stored;
}

Result<std::optional<Listing>> SqliteListingRepository::find(core::ListingId id) {
  auto stmt = conn_.prepare(kSelect);
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(id.value);
  return query_one<Listing>(*stmt, sql::map_listing<Statement>);
}

Result<Listing> SqliteListingRepository::set_status(core::ListingId id, std::string_view status,
                                                    core::Timestamp now) {
  if (auto v = core::validate_listing_status(status); !v) return std::unexpected(v.error());
  auto stmt = conn_.prepare("UPDATE listings SET status = ?2, updated_at = ?3 WHERE id = ?1");
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(id.value, status, to_ms(now));
  if (auto r = stmt->run(); !r) return std::unexpected(r.error());
  if (conn_.changes() == 0) {
    return std::unexpected(sql::listing_not_found(id));
  }
  auto stored = find(id);
  if (!stored) return std::unexpected(stored.error());
  return **stored;
}

}  // namespace toq::sqlite

#include "adapter/mysql/mysql_listing_repository.hpp"

#include <fmt/format.h>

#include "adapter/mysql/sql_util.hpp"

namespace toq::mysql {

using core::Listing;

Result<Listing> MysqlListingRepository::require(core::ListingId id) {
  auto found = find(id);
  if (!found) return std::unexpected(found.error());
  if (!*found) return std::unexpected(sql::listing_not_found(id));
  return **found;
}

Result<Listing> MysqlListingRepository::upsert(const Listing& listing, core::Timestamp now) {
  if (auto v = core::validate_listing_status(listing.status); !v) return std::unexpected(v.error());
  // The new values are bound twice: VALUES() in ON DUPLICATE KEY UPDATE is deprecated on MySQL
  // 8.0.20+, and its replacement (a row alias) does not exist on MariaDB.
  auto stmt = conn_.prepare(
      "INSERT INTO listings (id, owner_id, photographer_id, kind, status, updated_at) "
      "VALUES (?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE owner_id = ?, photographer_id = ?, "
      "kind = ?, status = ?, updated_at = ?");
  if (!stmt) return std::unexpected(stmt.error());
  std::optional<std::int64_t> photographer;
  if (listing.photographer_id) photographer = listing.photographer_id->value;
  const auto kind = core::to_string(listing.kind);
  stmt->bind_all(listing.id.value, listing.owner_id.value, photographer, kind, listing.status,
                 to_ms(now), listing.owner_id.value, photographer, kind, listing.status,
                 to_ms(now));
  if (auto r = stmt->run(); !r) return std::unexpected(r.error());
  return require(listing.id);
}

Result<std::optional<Listing>> MysqlListingRepository::find(core::ListingId id) {
  auto stmt =
      conn_.prepare(fmt::format("SELECT {} FROM listings WHERE id = ?", sql::kListingColumns));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind(id.value);
  return query_one<Listing>(*stmt, sql::map_listing<Rows>);
}

Result<Listing> MysqlListingRepository::set_status(core::ListingId id, std::string_view status,
                                                   core::Timestamp now) {
  if (auto v = core::validate_listing_status(status); !v) return std::unexpected(v.error());
  auto stmt = conn_.prepare("UPDATE listings SET status = ?, updated_at = ? WHERE id = ?");
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(status, to_ms(now), id.value);
  auto matched = stmt->run();
  if (!matched) return std::unexpected(matched.error());
  if (*matched == 0) return std::unexpected(sql::listing_not_found(id));
  return require(id);
}

}  // namespace toq::mysql

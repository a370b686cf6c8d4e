#include "adapter/sqlite/sqlite_listing_repository.hpp"

#include <fmt/format.h>

#include "adapter/sqlite/sql_util.hpp"

namespace toq::sqlite {

using core::ErrorCode;
using core::Listing;

namespace {
constexpr const char* kSelect =
    "SELECT id, owner_id, photographer_id, kind, status, updated_at FROM listings WHERE id = ?1";

Listing map_listing(const Statement& s) {
  Listing l;
  l.id = core::ListingId{s.int64(0)};
  l.owner_id = core::UserId{s.int64(1)};
  if (auto p = s.opt_int64(2)) l.photographer_id = core::UserId{*p};
  l.kind = core::parse_listing_kind(s.text(3)).value_or(core::ListingKind::kResidential);
  l.status = s.text(4);
  l.updated_at = from_ms(s.int64(5));
  return l;
}
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
  return query_one<Listing>(*stmt, map_listing);
}

Result<Listing> SqliteListingRepository::set_status(core::ListingId id, std::string_view status,
                                                    core::Timestamp now) {
  if (auto v = core::validate_listing_status(status); !v) return std::unexpected(v.error());
  auto stmt = conn_.prepare("UPDATE listings SET status = ?2, updated_at = ?3 WHERE id = ?1");
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(id.value, status, to_ms(now));
  if (auto r = stmt->run(); !r) return std::unexpected(r.error());
  if (conn_.changes() == 0) {
    return core::fail(ErrorCode::kListingNotFound, fmt::format("listing {} not found", id.value));
  }
  auto stored = find(id);
  if (!stored) return std::unexpected(stored.error());
  return **stored;
}

}  // namespace toq::sqlite

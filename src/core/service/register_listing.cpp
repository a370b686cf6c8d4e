#include "core/service/register_listing.hpp"

#include <fmt/format.h>

namespace toq::core {

Status RegisterListing::authorize(const Principal& caller) {
  if (caller.role == Role::kService || caller.role == Role::kAdmin) return {};
  return fail(ErrorCode::kForbidden,
              fmt::format("user {} may not manage listings", caller.user.value),
              "Only the platform may manage listings.");
}

Result<Listing> RegisterListing::upsert(const UpsertListingInput& input) {
  if (auto ok = authorize(input.caller); !ok) return std::unexpected(ok.error());

  FieldErrors bad;
  auto add = [&](std::string field, const char* rule, std::string reason) {
    bad.fields.push_back({std::move(field), rule, std::move(reason)});
  };
  if (input.listing_identity_id < 1) add("listingIdentityId", "OUT_OF_RANGE", "must be at least 1");
  if (input.owner_id < 1) add("ownerId", "OUT_OF_RANGE", "must be at least 1");
  if (input.photographer_id && *input.photographer_id < 1) {
    add("photographerId", "OUT_OF_RANGE", "must be at least 1");
  }
  const auto kind = parse_listing_kind(input.kind);
  if (!kind) add("kind", "UNKNOWN_VALUE", "must be RESIDENTIAL or DEVELOPMENT");
  if (auto ok = validate_listing_status(input.status); !ok) {
    add("status", "UNKNOWN_VALUE", "must be an UPPER_SNAKE word such as PENDING_PHOTO_PROCESSING");
  }
  if (!bad.fields.empty()) {
    Error error = make_error(ErrorCode::kInvalidRequest,
                             fmt::format("invalid listing {}: {} bad field(s)",
                                         input.listing_identity_id, bad.fields.size()),
                             "The listing has invalid fields.");
    error.details = std::move(bad);
    return std::unexpected(std::move(error));
  }

  Listing listing;
  listing.id = ListingId{input.listing_identity_id};
  listing.owner_id = UserId{input.owner_id};
  if (input.photographer_id) listing.photographer_id = UserId{*input.photographer_id};
  listing.kind = *kind;
  listing.status = input.status;
  const Timestamp now = deps_.clock.now();
  return deps_.db.transact(
      [&](UnitOfWork& uow) -> Result<Listing> { return uow.listings().upsert(listing, now); });
}

Result<Listing> RegisterListing::get(const GetListingInput& input) {
  if (auto ok = authorize(input.caller); !ok) return std::unexpected(ok.error());
  const ListingId id{input.listing_identity_id};
  return deps_.db.transact([&](UnitOfWork& uow) -> Result<Listing> {
    auto found = uow.listings().find(id);
    if (!found) return std::unexpected(found.error());
    if (!*found) {
      return fail(ErrorCode::kListingNotFound, fmt::format("listing {} not found", id.value),
                  "The listing does not exist.");
    }
    return std::move(**found);
  });
}

}  // namespace toq::core

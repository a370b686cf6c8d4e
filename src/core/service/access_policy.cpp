#include "core/service/access_policy.hpp"

#include <fmt/format.h>

namespace toq::core {

namespace {

bool is_listing_photographer(const Principal& caller, const Listing& listing) {
  return caller.role == Role::kPhotographer && listing.photographer_id == caller.user;
}

bool is_listing_owner(const Principal& caller, const Listing& listing) {
  return caller.role == Role::kOwner && listing.owner_id == caller.user;
}

Status forbidden(const Principal& caller, const Listing& listing, std::string_view action) {
  return fail(ErrorCode::kForbidden,
              fmt::format("{} {} may not {} listing {} ({})", to_string(caller.role),
                          caller.user.value, action, listing.id.value, listing.status),
              "You are not allowed to do this for this listing.");
}

}  // namespace

Status authorize_view(const Principal& caller, const Listing& listing) {
  if (caller.role == Role::kAdmin || caller.role == Role::kService ||
      is_listing_photographer(caller, listing) || is_listing_owner(caller, listing)) {
    return {};
  }
  return forbidden(caller, listing, "see the media batches of");
}

Status authorize_retry(const Principal& caller, const Listing& listing) {
  if (caller.role == Role::kAdmin || caller.role == Role::kService ||
      is_listing_photographer(caller, listing) || is_listing_owner(caller, listing)) {
    return {};
  }
  return forbidden(caller, listing, "reprocess the media of");
}

Status authorize_download(const Principal& caller, const Listing& listing) {
  if (caller.role == Role::kAdmin || is_listing_photographer(caller, listing) ||
      is_listing_owner(caller, listing)) {
    return {};
  }
  if (caller.role == Role::kClient && listing.status == listing_status::kPublished) return {};
  return forbidden(caller, listing, "download the media of");
}

Status authorize_admin(const Principal& caller, std::string_view action) {
  if (caller.role == Role::kAdmin) return {};
  return fail(ErrorCode::kForbidden,
              fmt::format("{} {} may not {}", to_string(caller.role), caller.user.value, action),
              "Only an administrator may do this.");
}

bool may_download_originals(const Principal& caller) {
  return caller.role == Role::kAdmin || caller.role == Role::kOwner ||
         caller.role == Role::kPhotographer;
}

}  // namespace toq::core

#include "core/service/upload_policy.hpp"

#include <fmt/format.h>

namespace toq::core {

namespace {

bool may_upload(const Principal& caller, const Listing& listing, MediaType type) {
  switch (caller.role) {
    case Role::kAdmin: return true;
    case Role::kPhotographer:
      return !is_project_type(type) && listing.photographer_id == caller.user;
    case Role::kOwner:
      return is_project_type(type) && listing.kind == ListingKind::kDevelopment &&
             listing.owner_id == caller.user;
    case Role::kClient:
    case Role::kService: return false;
  }
  return false;
}

bool accepts(const Listing& listing, MediaType type) {
  if (!is_project_type(type)) return listing.status == listing_status::kPendingPhotoProcessing;
  return listing.kind == ListingKind::kDevelopment &&
         (listing.status == listing_status::kPendingPhotoProcessing ||
          listing.status == listing_status::kPendingOwnerApproval ||
          listing.status == listing_status::kPublished);
}

}  // namespace

Status may_upload_to(const Principal& caller, const Listing& listing) {
  for (MediaType type : kAllMediaTypes) {
    if (may_upload(caller, listing, type)) return {};
  }
  return fail(
      ErrorCode::kForbidden,
      fmt::format("user {} may not upload to listing {}", caller.user.value, listing.id.value),
      "You are not allowed to upload files to this listing.");
}

Status authorize_upload(const Principal& caller, const Listing& listing,
                        std::span<const MediaType> types) {
  for (MediaType type : types) {
    if (!may_upload(caller, listing, type)) {
      return fail(ErrorCode::kForbidden,
                  fmt::format("user {} may not upload {} to listing {}", caller.user.value,
                              to_string(type), listing.id.value),
                  "You are not allowed to upload these files to this listing.");
    }
  }
  return {};
}

Status authorize_upload(const Principal& caller, const Listing& listing,
                        const std::vector<Asset>& assets) {
  std::vector<MediaType> types;
  types.reserve(assets.size());
  for (const Asset& a : assets) types.push_back(a.declared.media_type);
  return authorize_upload(caller, listing, types);
}

Status check_listing_accepts(const Listing& listing, std::span<const MediaType> types) {
  for (MediaType type : types) {
    if (!accepts(listing, type)) {
      return fail(ErrorCode::kListingNotReadyForUpload,
                  fmt::format("listing {} ({}, {}) does not accept {} uploads", listing.id.value,
                              to_string(listing.kind), listing.status, to_string(type)),
                  fmt::format("The listing does not accept {} uploads in its current status.",
                              to_string(type)));
    }
  }
  return {};
}

}  // namespace toq::core

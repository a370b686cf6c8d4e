#pragma once
// Who may upload what to which listing: the rules create_upload_batch and complete_upload_batch
// share, so the two can never disagree.
//
// Authorization (FORBIDDEN otherwise), for every file of the batch:
// - photo and video types: the listing's photographer (role photographer, user == photographer_id);
// - PROJECT_DOC / PROJECT_RENDER: the listing's owner (role owner, user == owner_id) of a
//   DEVELOPMENT listing;
// - admin: any file. Roles client and service never upload.
// A mixed batch (photos and project files) therefore needs a caller allowed for both: an admin.
//
// Listing state (LISTING_NOT_READY_FOR_UPLOAD otherwise), checked after authorization so that a
// stranger learns nothing about the listing's state, and for admins too:
// - photo and video types: the listing is PENDING_PHOTO_PROCESSING (the photo session is done and
//   its media not yet delivered);
// - project types: the listing is DEVELOPMENT and its status is one the service knows as live:
//   PENDING_PHOTO_PROCESSING, PENDING_OWNER_APPROVAL or PUBLISHED. A developer adds plans and
//   renders all along the listing's life, so the photo-session status is not required; any other
//   status (the platform's vocabulary is open: SUSPENDED, ARCHIVED, ...) is refused, failing
//   closed.

#include <span>
#include <vector>

#include "core/model/asset.hpp"
#include "core/model/error.hpp"
#include "core/model/listing.hpp"
#include "core/model/media_type.hpp"
#include "core/model/principal.hpp"

namespace toq::core {

// Ok when the caller may upload some type to this listing (its photographer, the owner of a
// DEVELOPMENT listing, an admin); FORBIDDEN otherwise. Checked before a manifest is read, so a
// caller with no business on the listing never makes the service validate anything.
Status may_upload_to(const Principal& caller, const Listing& listing);

// Ok, or FORBIDDEN naming the first file type the caller may not upload.
Status authorize_upload(const Principal& caller, const Listing& listing,
                        std::span<const MediaType> types);

// The same for the files of an existing batch (their declared types).
Status authorize_upload(const Principal& caller, const Listing& listing,
                        const std::vector<Asset>& assets);

// Ok, or LISTING_NOT_READY_FOR_UPLOAD naming the status and the file type it refuses.
Status check_listing_accepts(const Listing& listing, std::span<const MediaType> types);

}  // namespace toq::core

#pragma once
// Who may look at, download and reprocess a listing's batches: the rules get_batch_status,
// list_download_urls and retry_batch share (uploads have theirs in upload_policy.hpp). Each
// function is Ok or FORBIDDEN; "of the listing" means the token's user is the listing's
// photographer_id (role photographer) or owner_id (role owner).
//
// - view (status) and retry: the listing's photographer, the listing's owner, admin, service.
// - download: the listing's owner, the listing's photographer, admin; role client only while the
//   listing's status is PUBLISHED. Service does not download (it has no use for media bytes).
// - originals (the raw uploads) are listed for owner, photographer and admin, never for a client.
// The listing's status matters only for clients: the people who made the media keep seeing it.
// - admin (batch history, delete, reprocess through the admin routes): role admin only.

#include <string_view>

#include "core/model/error.hpp"
#include "core/model/listing.hpp"
#include "core/model/principal.hpp"

namespace toq::core {

Status authorize_view(const Principal& caller, const Listing& listing);
Status authorize_retry(const Principal& caller, const Listing& listing);
Status authorize_download(const Principal& caller, const Listing& listing);
bool may_download_originals(const Principal& caller);
// Batch history, deletion and reprocessing through the admin routes: role admin only.
Status authorize_admin(const Principal& caller, std::string_view action);

}  // namespace toq::core

#include "adapter/http/converters/listing_converters.hpp"

#include "core/model/time.hpp"

#include "adapter/http/converters/json_reader.hpp"

namespace toq::http::converters {

core::Result<dto::PutListingRequest> parse_put_listing(const nlohmann::json& body) {
  JsonReader reader;
  dto::PutListingRequest out;
  out.owner_id = reader.integer(body, "ownerId", "");
  out.photographer_id = reader.integer(body, "photographerId", "");
  out.kind = reader.string(body, "kind", "");
  out.status = reader.string(body, "status", "");
  if (reader.ok()) {
    if (!out.owner_id) reader.add("ownerId", "is required", core::rule::kRequired);
    if (!out.kind) reader.add("kind", "is required", core::rule::kRequired);
    if (!out.status) reader.add("status", "is required", core::rule::kRequired);
  }
  if (!reader.ok()) return std::unexpected(reader.error(core::ErrorCode::kInvalidRequest));
  return out;
}

core::UpsertListingInput to_upsert_input(const dto::PutListingRequest& request,
                                         const core::Principal& caller,
                                         std::int64_t listing_identity_id) {
  core::UpsertListingInput in;
  in.caller = caller;
  in.listing_identity_id = listing_identity_id;
  in.owner_id = request.owner_id.value_or(0);
  in.photographer_id = request.photographer_id;
  in.kind = request.kind.value_or("");
  in.status = request.status.value_or("");
  return in;
}

dto::ListingResponse to_listing_response(const core::Listing& listing) {
  dto::ListingResponse out;
  out.listing_identity_id = listing.id.value;
  out.owner_id = listing.owner_id.value;
  if (listing.photographer_id) out.photographer_id = listing.photographer_id->value;
  out.kind = std::string{core::to_string(listing.kind)};
  out.status = listing.status;
  out.updated_at = core::format_rfc3339(listing.updated_at);
  return out;
}

nlohmann::json to_json(const dto::ListingResponse& r) {
  return {{"listingIdentityId", r.listing_identity_id},
          {"ownerId", r.owner_id},
          {"photographerId",
           r.photographer_id ? nlohmann::json(*r.photographer_id) : nlohmann::json(nullptr)},
          {"kind", r.kind},
          {"status", r.status},
          {"updatedAt", r.updated_at}};
}

}  // namespace toq::http::converters

#pragma once
// dto <-> core for the internal listings routes. Wrong JSON types are INVALID_REQUEST with
// FieldErrors (rule WRONG_TYPE); value rules are the use case's (register_listing.hpp).

#include <nlohmann/json.hpp>

#include "core/model/listing.hpp"
#include "core/service/register_listing.hpp"

#include "adapter/http/dto/listing_dto.hpp"

namespace toq::http::converters {

core::Result<dto::PutListingRequest> parse_put_listing(const nlohmann::json& body);
core::UpsertListingInput to_upsert_input(const dto::PutListingRequest& request,
                                         const core::Principal& caller,
                                         std::int64_t listing_identity_id);
dto::ListingResponse to_listing_response(const core::Listing& listing);
nlohmann::json to_json(const dto::ListingResponse& response);

}  // namespace toq::http::converters

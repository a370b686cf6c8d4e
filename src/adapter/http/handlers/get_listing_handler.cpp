#include "adapter/http/converters/listing_converters.hpp"
#include "adapter/http/handlers/api_handlers.hpp"

namespace toq::http::handlers {

HandlerResult handle_get_listing(const ApiServices& services, const ApiRequest& request) {
  auto id = parse_id_param(request.path_param, "listingIdentityId");
  if (!id) return std::unexpected(id.error());
  auto listing = services.listings->get({request.caller, *id});
  if (!listing) return std::unexpected(listing.error());
  return ApiResponse{200, converters::to_json(converters::to_listing_response(*listing))};
}

}  // namespace toq::http::handlers

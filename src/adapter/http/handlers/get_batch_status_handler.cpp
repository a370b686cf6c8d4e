#include "adapter/http/converters/json_reader.hpp"
#include "adapter/http/converters/media_query_converters.hpp"
#include "adapter/http/handlers/api_handlers.hpp"

namespace toq::http::handlers {

HandlerResult handle_get_batch_status(const ApiServices& services, const ApiRequest& request) {
  auto json = converters::parse_json_object(request.body);
  if (!json) return std::unexpected(json.error());
  auto dto = converters::parse_batch_query(*json);
  if (!dto) return std::unexpected(dto.error());
  auto status = services.batch_status->run(converters::to_status_input(*dto, request.caller));
  if (!status) return std::unexpected(status.error());
  return ApiResponse::json_text(
      200, converters::status_json(*status),
      {{"listingIdentityId", status->listing_id.value}, {"batchId", status->batch.id.value}});
}

}  // namespace toq::http::handlers

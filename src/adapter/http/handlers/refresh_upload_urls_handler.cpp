#include "adapter/http/converters/json_reader.hpp"
#include "adapter/http/converters/upload_converters.hpp"
#include "adapter/http/handlers/api_handlers.hpp"

namespace toq::http::handlers {

HandlerResult handle_refresh_upload_urls(const ApiServices& services, const ApiRequest& request) {
  auto json = converters::parse_json_object(request.body);
  if (!json) return std::unexpected(json.error());
  auto dto = converters::parse_refresh_urls(*json);
  if (!dto) return std::unexpected(dto.error());
  auto refreshed = services.refresh_urls->run(converters::to_refresh_input(*dto, request.caller));
  if (!refreshed) return std::unexpected(refreshed.error());
  return ApiResponse{200, converters::to_json(*refreshed)};
}

}  // namespace toq::http::handlers

#include "adapter/http/converters/json_reader.hpp"
#include "adapter/http/converters/media_query_converters.hpp"
#include "adapter/http/handlers/api_handlers.hpp"

namespace toq::http::handlers {

HandlerResult handle_list_download_urls(const ApiServices& services, const ApiRequest& request) {
  auto json = converters::parse_json_object(request.body);
  if (!json) return std::unexpected(json.error());
  auto dto = converters::parse_batch_query(*json);
  if (!dto) return std::unexpected(dto.error());
  auto listed = services.download_urls->run(converters::to_downloads_input(*dto, request.caller));
  if (!listed) return std::unexpected(listed.error());
  if (!*listed) return ApiResponse{204, nullptr};
  return ApiResponse{200, converters::to_json(**listed)};
}

}  // namespace toq::http::handlers

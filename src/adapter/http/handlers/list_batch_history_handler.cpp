#include "adapter/http/converters/json_reader.hpp"
#include "adapter/http/converters/media_query_converters.hpp"
#include "adapter/http/handlers/api_handlers.hpp"

namespace toq::http::handlers {

HandlerResult handle_list_batch_history(const ApiServices& services, const ApiRequest& request) {
  auto json = converters::parse_json_object(request.body);
  if (!json) return std::unexpected(json.error());
  auto dto = converters::parse_history(*json);
  if (!dto) return std::unexpected(dto.error());
  auto page = services.batch_history->run(converters::to_history_input(*dto, request.caller));
  if (!page) return std::unexpected(page.error());
  return ApiResponse{200, converters::to_json(*page)};
}

}  // namespace toq::http::handlers

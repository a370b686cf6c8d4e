#include "adapter/http/converters/json_reader.hpp"
#include "adapter/http/converters/upload_converters.hpp"
#include "adapter/http/handlers/api_handlers.hpp"

namespace toq::http::handlers {

HandlerResult handle_cancel_upload_batch(const ApiServices& services, const ApiRequest& request) {
  auto json = converters::parse_json_object(request.body);
  if (!json) return std::unexpected(json.error());
  auto dto = converters::parse_cancel(*json);
  if (!dto) return std::unexpected(dto.error());
  auto cancelled = services.cancel_batch->run(
      converters::to_cancel_input(*dto, request.caller, request.traceparent));
  if (!cancelled) return std::unexpected(cancelled.error());
  return ApiResponse{200, converters::to_json(converters::to_cancel_response(*cancelled))};
}

}  // namespace toq::http::handlers

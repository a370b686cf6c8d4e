#include "adapter/http/converters/json_reader.hpp"
#include "adapter/http/converters/upload_converters.hpp"
#include "adapter/http/handlers/api_handlers.hpp"

namespace toq::http::handlers {

HandlerResult handle_retry_batch(const ApiServices& services, const ApiRequest& request) {
  auto json = converters::parse_json_object(request.body);
  if (!json) return std::unexpected(json.error());
  auto dto = converters::parse_retry(*json);
  if (!dto) return std::unexpected(dto.error());
  auto retried = services.retry_batch->run(
      converters::to_retry_input(*dto, request.caller, request.traceparent));
  if (!retried) return std::unexpected(retried.error());
  if (services.job_queued) services.job_queued();
  return ApiResponse{202, converters::to_json(converters::to_retry_response(*retried))};
}

}  // namespace toq::http::handlers

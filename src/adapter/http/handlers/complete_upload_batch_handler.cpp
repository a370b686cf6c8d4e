#include "adapter/http/converters/json_reader.hpp"
#include "adapter/http/converters/upload_converters.hpp"
#include "adapter/http/handlers/api_handlers.hpp"

namespace toq::http::handlers {

HandlerResult handle_complete_upload_batch(const ApiServices& services, const ApiRequest& request) {
  auto json = converters::parse_json_object(request.body);
  if (!json) return std::unexpected(json.error());
  auto dto = converters::parse_complete_upload(*json);
  if (!dto) return std::unexpected(dto.error());
  auto done = services.complete_batch->run(
      converters::to_complete_input(*dto, request.caller, request.traceparent));
  if (!done) return std::unexpected(done.error());
  if (done->created && services.job_queued) services.job_queued();
  return ApiResponse{done->created ? 202 : 200,
                     converters::to_json(converters::to_complete_response(*done))};
}

}  // namespace toq::http::handlers

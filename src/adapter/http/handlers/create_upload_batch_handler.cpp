#include "adapter/http/converters/json_reader.hpp"
#include "adapter/http/converters/upload_converters.hpp"
#include "adapter/http/handlers/api_handlers.hpp"

namespace toq::http::handlers {

HandlerResult handle_create_upload_batch(const ApiServices& services, const ApiRequest& request) {
  auto json = converters::parse_json_object(request.body);
  if (!json) return std::unexpected(json.error());
  auto manifest = converters::parse_create_upload(*json);
  if (!manifest) return std::unexpected(manifest.error());
  auto created = services.create_batch->run({request.caller, std::move(*manifest)});
  if (!created) return std::unexpected(created.error());
  return ApiResponse{201, converters::to_json(*created)};
}

}  // namespace toq::http::handlers

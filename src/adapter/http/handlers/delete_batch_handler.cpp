#include "adapter/http/converters/json_reader.hpp"
#include "adapter/http/converters/media_query_converters.hpp"
#include "adapter/http/converters/upload_converters.hpp"
#include "adapter/http/handlers/api_handlers.hpp"

namespace toq::http::handlers {

HandlerResult handle_delete_batch(const ApiServices& services, const ApiRequest& request) {
  auto json = converters::parse_json_object(request.body);
  if (!json) return std::unexpected(json.error());
  auto dto = converters::parse_batch_ref(*json);
  if (!dto) return std::unexpected(dto.error());
  auto deleted = services.delete_batch->run(
      core::DeleteBatchInput{request.caller, dto->listing_identity_id, dto->batch_id});
  if (!deleted) return std::unexpected(deleted.error());
  return ApiResponse{200, converters::to_json(*deleted)};
}

}  // namespace toq::http::handlers

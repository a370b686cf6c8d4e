#include "adapter/http/converters/json_reader.hpp"
#include "adapter/http/converters/upload_converters.hpp"
#include "adapter/http/handlers/api_handlers.hpp"

namespace toq::http::handlers {

HandlerResult handle_create_upload_batch(const ApiServices& services, const ApiRequest& request) {
  // Files past the batch limit are counted, never built: a manifest listing thousands of files
  // costs what one listing the limit does.
  const std::size_t max_files = services.create_batch->options().limits.max_files_per_batch;
  auto body = converters::parse_json_body(request.body, {.max_array_items = max_files});
  if (!body) return std::unexpected(body.error());
  request.body_log_ids = support::log_ids(body->value);
  if (auto ok = converters::reject_truncated(*body, max_files, "files"); !ok) {
    return std::unexpected(ok.error());
  }
  auto manifest = converters::parse_create_upload(body->value);
  if (!manifest) return std::unexpected(manifest.error());
  manifest->files_sent = body->sent_length("files");
  auto created = services.create_batch->run({request.caller, std::move(*manifest)});
  if (!created) return std::unexpected(created.error());
  return ApiResponse::json_text(
      201, converters::create_upload_json(*created),
      {{"listingIdentityId", created->listing_id.value}, {"batchId", created->batch_id.value}});
}

}  // namespace toq::http::handlers

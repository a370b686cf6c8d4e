#include "adapter/http/converters/json_reader.hpp"
#include "adapter/http/converters/listing_converters.hpp"
#include "adapter/http/handlers/api_handlers.hpp"

namespace toq::http::handlers {

core::Result<std::int64_t> parse_id_param(std::string_view text, std::string_view name) {
  const bool digits = !text.empty() && text.size() <= 18 &&
                      text.find_first_not_of("0123456789") == std::string_view::npos;
  std::int64_t value = 0;
  if (digits) {
    for (const char c : text) value = value * 10 + (c - '0');
  }
  if (value < 1) {
    core::Error e = core::make_error(core::ErrorCode::kInvalidRequest,
                                     std::string{name} + " in the path is not a positive integer",
                                     std::string{name} + " must be a positive integer.");
    e.details = core::FieldErrors{
        {{std::string{name}, core::rule::kOutOfRange, "must be a positive integer"}}};
    return std::unexpected(std::move(e));
  }
  return value;
}

HandlerResult handle_put_listing(const ApiServices& services, const ApiRequest& request) {
  auto id = parse_id_param(request.path_param, "listingIdentityId");
  if (!id) return std::unexpected(id.error());
  auto json = converters::parse_json_object(request.body);
  if (!json) return std::unexpected(json.error());
  auto dto = converters::parse_put_listing(*json);
  if (!dto) return std::unexpected(dto.error());
  auto stored = services.listings->upsert(converters::to_upsert_input(*dto, request.caller, *id));
  if (!stored) return std::unexpected(stored.error());
  return ApiResponse{200, converters::to_json(converters::to_listing_response(*stored))};
}

}  // namespace toq::http::handlers

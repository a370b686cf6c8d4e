#include "adapter/http/converters/json_reader.hpp"

#include <limits>
#include <utility>

namespace toq::http::converters {

std::string field_path(std::string_view parent, std::string_view key) {
  if (parent.empty()) return std::string{key};
  return std::string{parent} + "." + std::string{key};
}

void JsonReader::add(std::string field, std::string reason, std::string rule) {
  errors_.push_back({std::move(field), std::move(rule), std::move(reason)});
}

std::optional<std::int64_t> JsonReader::integer(const nlohmann::json& object, std::string_view key,
                                                const std::string& path) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return std::nullopt;
  if (it->is_number_unsigned()) {
    const auto v = it->get<std::uint64_t>();
    if (v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      add(field_path(path, key), "expected an integer within 64 bits", "OUT_OF_RANGE");
      return std::nullopt;
    }
    return static_cast<std::int64_t>(v);
  }
  if (it->is_number_integer()) return it->get<std::int64_t>();
  add(field_path(path, key), "expected an integer");
  return std::nullopt;
}

std::optional<std::string> JsonReader::string(const nlohmann::json& object, std::string_view key,
                                              const std::string& path) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return std::nullopt;
  if (it->is_string()) return it->get<std::string>();
  add(field_path(path, key), "expected a string");
  return std::nullopt;
}

const nlohmann::json* JsonReader::array(const nlohmann::json& object, std::string_view key,
                                        const std::string& path) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return nullptr;
  if (it->is_array()) return &*it;
  add(field_path(path, key), "expected an array");
  return nullptr;
}

bool JsonReader::expect_object(const nlohmann::json& value, const std::string& path) {
  if (value.is_object()) return true;
  add(path, "expected an object");
  return false;
}

core::Error JsonReader::error(core::ErrorCode code) const {
  std::string message = "request fields of the wrong type:";
  for (const auto& e : errors_) message += " " + e.field + " (" + e.reason + ")";
  core::Error out = core::make_error(code, message,
                                     errors_.size() == 1
                                         ? errors_.front().field + ": " + errors_.front().reason
                                         : "Some fields have the wrong type; see details.fields.");
  out.details = core::FieldErrors{errors_};
  return out;
}

core::Result<nlohmann::json> parse_json_object(std::string_view body) {
  auto parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return core::fail(core::ErrorCode::kInvalidRequest, "request body is not valid JSON",
                      "The request body is not valid JSON.");
  }
  if (!parsed.is_object()) {
    return core::fail(core::ErrorCode::kInvalidRequest, "request body is not a JSON object",
                      "The request body must be a JSON object.");
  }
  return parsed;
}

}  // namespace toq::http::converters

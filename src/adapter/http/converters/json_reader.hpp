#pragma once
// Reads typed fields out of a parsed JSON request, collecting one core::FieldError per field of
// the wrong JSON type ("files[2].bytes": "expected an integer", rule WRONG_TYPE) instead of
// stopping at the first. An absent field and an explicit null both read as nullopt; the use case
// decides whether the field was required.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/model/error.hpp"

namespace toq::http::converters {

inline constexpr const char* kRuleWrongType = "WRONG_TYPE";

class JsonReader {
 public:
  std::optional<std::int64_t> integer(const nlohmann::json& object, std::string_view key,
                                      const std::string& path);
  std::optional<std::string> string(const nlohmann::json& object, std::string_view key,
                                    const std::string& path);
  // The array at `key`, or nullptr when absent/null or not an array (then a field error).
  const nlohmann::json* array(const nlohmann::json& object, std::string_view key,
                              const std::string& path);
  // True when `value` is an object; records "expected an object" at `path` otherwise.
  bool expect_object(const nlohmann::json& value, const std::string& path);
  void add(std::string field, std::string reason, std::string rule = kRuleWrongType);

  [[nodiscard]] bool ok() const { return errors_.empty(); }
  // The collected errors as an Error of `code` with FieldErrors details.
  [[nodiscard]] core::Error error(core::ErrorCode code) const;

 private:
  std::vector<core::FieldError> errors_;
};

// "listingIdentityId" under "" -> "listingIdentityId"; under "files[2]" -> "files[2].bytes".
std::string field_path(std::string_view parent, std::string_view key);

// Parses a request body: INVALID_REQUEST "not valid JSON" / "must be a JSON object".
core::Result<nlohmann::json> parse_json_object(std::string_view body);

}  // namespace toq::http::converters

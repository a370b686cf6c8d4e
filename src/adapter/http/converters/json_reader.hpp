#pragma once
// Reads typed fields out of a parsed JSON request, collecting one core::FieldError per field of
// the wrong JSON type ("files[2].bytes": "expected an integer", rule WRONG_TYPE) instead of
// stopping at the first. An absent field and an explicit null both read as nullopt; the use case
// decides whether the field was required.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
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
  // Records a failure; past FieldErrors::kMaxFieldErrors it is only counted.
  void add(std::string field, std::string reason, std::string rule = kRuleWrongType);

  [[nodiscard]] bool ok() const { return errors_.empty(); }
  // The collected errors as an Error of `code` with FieldErrors details.
  [[nodiscard]] core::Error error(core::ErrorCode code) const;

 private:
  std::vector<core::FieldError> errors_;
  std::size_t omitted_ = 0;
};

// "listingIdentityId" under "" -> "listingIdentityId"; under "files[2]" -> "files[2].bytes".
std::string field_path(std::string_view parent, std::string_view key);

// What a request body may make the server hold. The parser never builds more than this, so a
// request's memory stays within a few times its size whatever it holds.
struct JsonLimits {
  std::size_t max_depth = 32;
  // Entries kept per array; the rest are counted, not kept (JsonBody::truncated).
  std::size_t max_array_items = 10000;
};

struct JsonBody {
  nlohmann::json value;  // a JSON object
  // Every array that had more than max_array_items entries: its path ("files", "files[2].parts")
  // and its length as sent. Its value holds only the first max_array_items.
  std::vector<std::pair<std::string, std::size_t>> truncated;
  // The length of the array at `path` as sent when it was truncated, nullopt otherwise.
  [[nodiscard]] std::optional<std::size_t> sent_length(std::string_view path) const;
};

// INVALID_REQUEST "not valid JSON", "must be a JSON object", "nested too deep" (past
// max_depth), or "too many values" (more than 1024 + body.size() / 16 values are kept: the
// contract's requests have far fewer per byte).
core::Result<JsonBody> parse_json_body(std::string_view body, const JsonLimits& limits = {});

// INVALID_REQUEST with a FieldError TOO_MANY_ITEMS for every truncated array but `allowed`.
core::Status reject_truncated(const JsonBody& body, std::size_t max_array_items,
                              std::string_view allowed = {});

// parse_json_body, and then every truncated array is an error: INVALID_REQUEST with a FieldError
// TOO_MANY_ITEMS at its path.
core::Result<nlohmann::json> parse_json_object(std::string_view body,
                                               const JsonLimits& limits = {});

inline constexpr const char* kRuleTooManyItems = "TOO_MANY_ITEMS";

}  // namespace toq::http::converters

#include "adapter/http/converters/json_reader.hpp"

#include <limits>
#include <string>
#include <utility>

#include <fmt/format.h>

namespace toq::http::converters {

std::string field_path(std::string_view parent, std::string_view key) {
  if (parent.empty()) return std::string{key};
  return std::string{parent} + "." + std::string{key};
}

void JsonReader::add(std::string field, std::string reason, std::string rule) {
  if (errors_.size() >= core::FieldErrors::kMaxFieldErrors) {
    ++omitted_;
    return;
  }
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
  std::string message = "request fields refused:";
  for (const auto& e : errors_) message += " " + e.field + " (" + e.reason + ")";
  core::Error out =
      core::make_error(code, message,
                       errors_.size() == 1 ? errors_.front().field + ": " + errors_.front().reason
                                           : "Some fields are not accepted; see details.fields.");
  out.details = core::FieldErrors{errors_, omitted_};
  return out;
}

namespace {

// A SAX consumer that builds the DOM within JsonLimits: arrays keep their first entries and count
// the rest (a skipped entry, however deep, is walked but never built), nesting and the number of
// kept values are bounded. nlohmann's own DOM builder has no such bounds.
class BoundedBuilder {
 public:
  using json = nlohmann::json;

  BoundedBuilder(const JsonLimits& limits, std::size_t max_values)
      : limits_(limits), max_values_(max_values) {}

  bool null() { return scalar(json(nullptr)); }
  bool boolean(bool v) { return scalar(json(v)); }
  bool number_integer(json::number_integer_t v) { return scalar(json(v)); }
  bool number_unsigned(json::number_unsigned_t v) { return scalar(json(v)); }
  bool number_float(json::number_float_t v, const json::string_t& /*text*/) {
    return scalar(json(v));
  }
  bool string(json::string_t& v) { return scalar(json(std::move(v))); }
  bool binary(json::binary_t& /*v*/) { return scalar(json(nullptr)); }
  bool start_object(std::size_t /*size*/) { return open(json::object()); }
  bool key(json::string_t& k) {
    if (skipping_ == 0) key_ = std::move(k);
    return true;
  }
  bool end_object() { return close(); }
  bool start_array(std::size_t /*size*/) { return open(json::array()); }
  bool end_array() { return close(); }
  bool parse_error(std::size_t /*position*/, const std::string& /*token*/,
                   const nlohmann::detail::exception& /*ex*/) {
    failure_ = Failure::kSyntax;
    return false;
  }

  enum class Failure : std::uint8_t { kNone, kSyntax, kTooDeep, kTooManyValues };
  [[nodiscard]] Failure failure() const { return failure_; }
  json take_root() { return std::move(root_); }
  std::vector<std::pair<std::string, std::size_t>> take_truncated() {
    return std::move(truncated_);
  }

 private:
  struct Frame {
    json* container;
    std::string path;
    std::size_t entries = 0;  // array entries seen, kept or not
  };

  // Where the next value goes: nullptr when it is skipped (an entry past the array limit, or
  // inside one). Counts the entry in its array either way.
  json* place(json value, std::string* path) {
    if (skipping_ > 0) return nullptr;
    if (stack_.empty()) {
      root_ = std::move(value);
      return &root_;
    }
    Frame& top = stack_.back();
    if (top.container->is_array()) {
      const std::size_t index = top.entries++;
      if (index >= limits_.max_array_items) return nullptr;
      if (path != nullptr) *path = top.path + "[" + std::to_string(index) + "]";
      top.container->push_back(std::move(value));
      return &top.container->back();
    }
    if (path != nullptr) *path = field_path(top.path, key_);
    json& slot = (*top.container)[key_];
    slot = std::move(value);
    return &slot;
  }

  bool count_value() {
    if (++values_ <= max_values_) return true;
    failure_ = Failure::kTooManyValues;
    return false;
  }

  bool scalar(json value) {
    if (place(std::move(value), nullptr) == nullptr) return true;
    return count_value();
  }

  bool open(json container) {
    if (++depth_ > limits_.max_depth) {
      failure_ = Failure::kTooDeep;
      return false;
    }
    std::string path;
    json* placed = place(std::move(container), &path);
    if (placed == nullptr) {
      ++skipping_;
      return true;
    }
    stack_.push_back(Frame{placed, std::move(path)});
    return count_value();
  }

  bool close() {
    --depth_;
    if (skipping_ > 0) {
      --skipping_;
      return true;
    }
    const Frame& top = stack_.back();
    if (top.container->is_array() && top.entries > limits_.max_array_items) {
      truncated_.emplace_back(top.path, top.entries);
    }
    stack_.pop_back();
    return true;
  }

  const JsonLimits& limits_;
  std::size_t max_values_;
  json root_;
  std::vector<Frame> stack_;
  std::string key_;
  std::size_t depth_ = 0;
  std::size_t skipping_ = 0;  // > 0: inside a skipped entry, this many containers deep
  std::size_t values_ = 0;
  Failure failure_ = Failure::kNone;
  std::vector<std::pair<std::string, std::size_t>> truncated_;
};

}  // namespace

std::optional<std::size_t> JsonBody::sent_length(std::string_view path) const {
  for (const auto& [p, n] : truncated) {
    if (p == path) return n;
  }
  return std::nullopt;
}

core::Result<JsonBody> parse_json_body(std::string_view body, const JsonLimits& limits) {
  constexpr std::size_t kBaseValues = 1024;
  constexpr std::size_t kBytesPerValue = 16;
  BoundedBuilder builder(limits, kBaseValues + body.size() / kBytesPerValue);
  const bool parsed = nlohmann::json::sax_parse(body, &builder);
  switch (builder.failure()) {
    case BoundedBuilder::Failure::kTooDeep:
      return core::fail(
          core::ErrorCode::kInvalidRequest,
          fmt::format("request body nested deeper than {}", limits.max_depth),
          fmt::format("The request body is nested deeper than {} levels.", limits.max_depth));
    case BoundedBuilder::Failure::kTooManyValues:
      return core::fail(
          core::ErrorCode::kInvalidRequest,
          fmt::format("request body of {} bytes holds too many JSON values", body.size()),
          "The request body holds far more JSON values than any request needs.");
    case BoundedBuilder::Failure::kSyntax:
    case BoundedBuilder::Failure::kNone: break;
  }
  if (!parsed || builder.failure() == BoundedBuilder::Failure::kSyntax) {
    return core::fail(core::ErrorCode::kInvalidRequest, "request body is not valid JSON",
                      "The request body is not valid JSON.");
  }
  JsonBody out{builder.take_root(), builder.take_truncated()};
  if (!out.value.is_object()) {
    return core::fail(core::ErrorCode::kInvalidRequest, "request body is not a JSON object",
                      "The request body must be a JSON object.");
  }
  return out;
}

core::Status reject_truncated(const JsonBody& body, std::size_t max_array_items,
                              std::string_view allowed) {
  JsonReader reader;
  for (const auto& [path, n] : body.truncated) {
    if (path == allowed) continue;
    reader.add(path, fmt::format("has {} entries; at most {} are accepted", n, max_array_items),
               kRuleTooManyItems);
  }
  if (reader.ok()) return {};
  return std::unexpected(reader.error(core::ErrorCode::kInvalidRequest));
}

core::Result<nlohmann::json> parse_json_object(std::string_view body, const JsonLimits& limits) {
  auto parsed = parse_json_body(body, limits);
  if (!parsed) return std::unexpected(parsed.error());
  if (auto ok = reject_truncated(*parsed, limits.max_array_items); !ok) {
    return std::unexpected(ok.error());
  }
  return std::move(parsed->value);
}

}  // namespace toq::http::converters

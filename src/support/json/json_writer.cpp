#include "support/json/json_writer.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "support/file_name.hpp"
#include "support/json_string.hpp"

namespace toq::support {
namespace {

// Well-formed UTF-8 (RFC 3629), the text nlohmann copies unchanged. utf8_decode also refuses
// U+FFFE and U+FFFF, which nlohmann keeps: such text takes the exact path below, never a wrong one.
bool is_plain_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    if (static_cast<unsigned char>(text[i]) < 0x80) {
      ++i;
      continue;
    }
    const auto cp = utf8_decode(text, i);
    if (cp.value == kInvalidCodePoint) return false;
    i += cp.length;
  }
  return true;
}

}  // namespace

void JsonWriter::before_value() {
  if (comma_) out_.push_back(',');
  comma_ = true;
}

void JsonWriter::open(char bracket) {
  before_value();
  out_.push_back(bracket);
  comma_ = false;
}

void JsonWriter::close(char bracket) {
  out_.push_back(bracket);
  comma_ = true;
}

void JsonWriter::begin_object() {
  open('{');
}
void JsonWriter::end_object() {
  close('}');
}
void JsonWriter::begin_array() {
  open('[');
}
void JsonWriter::end_array() {
  close(']');
}

void JsonWriter::key(std::string_view name) {
  string(name);
  out_.push_back(':');
  comma_ = false;
}

void JsonWriter::string(std::string_view text) {
  before_value();
  if (is_plain_utf8(text)) {
    append_json_stringify_quoted(out_, text);
  } else {
    // Rare (the service stores what it validated): nlohmann's own replacement of bad sequences.
    out_ += nlohmann::json(std::string{text})
                .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
}

void JsonWriter::integer(std::int64_t value) {
  before_value();
  const fmt::format_int digits(value);
  out_.append(digits.data(), digits.size());
}

void JsonWriter::number(double value) {
  before_value();
  // nlohmann's own float form (its Grisu2, "12.0" for whole values); a scalar, no tree.
  out_ += nlohmann::json(value).dump();
}

void JsonWriter::boolean(bool value) {
  before_value();
  out_ += value ? "true" : "false";
}

void JsonWriter::null() {
  before_value();
  out_ += "null";
}

void JsonWriter::raw(std::string_view json) {
  before_value();
  out_ += json;
}

}  // namespace toq::support

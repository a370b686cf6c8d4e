#include "support/json_string.hpp"

#include <fmt/format.h>

namespace toq::support {
namespace {

void append_quoted(std::string& out, std::string_view text, bool short_escapes) {
  out.reserve(out.size() + text.size() + 2);
  out.push_back('"');
  for (const char c : text) {
    switch (c) {
      case '"': out += "\\\""; continue;
      case '\\': out += "\\\\"; continue;
      default: break;
    }
    if (short_escapes) {
      switch (c) {
        case '\b': out += "\\b"; continue;
        case '\t': out += "\\t"; continue;
        case '\n': out += "\\n"; continue;
        case '\f': out += "\\f"; continue;
        case '\r': out += "\\r"; continue;
        default: break;
      }
    }
    if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", static_cast<unsigned>(static_cast<unsigned char>(c)));
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

}  // namespace

std::string json_quote(std::string_view text) {
  std::string out;
  append_quoted(out, text, false);
  return out;
}

std::string json_stringify_quote(std::string_view text) {
  std::string out;
  append_quoted(out, text, true);
  return out;
}

void append_json_stringify_quoted(std::string& out, std::string_view text) {
  append_quoted(out, text, true);
}

}  // namespace toq::support

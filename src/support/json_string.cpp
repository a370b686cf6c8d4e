#include "support/json_string.hpp"

#include <fmt/format.h>

namespace toq::support {
namespace {

std::string quote(std::string_view text, bool short_escapes) {
  std::string out;
  out.reserve(text.size() + 2);
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
  return out;
}

}  // namespace

std::string json_quote(std::string_view text) {
  return quote(text, false);
}

std::string json_stringify_quote(std::string_view text) {
  return quote(text, true);
}

}  // namespace toq::support

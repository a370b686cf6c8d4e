#include "support/http_syntax.hpp"

#include <algorithm>

#include "support/text.hpp"

namespace toq::support {

bool is_token(std::string_view text) {
  static constexpr std::string_view kExtra = "!#$%&'*+-.^_`|~";
  return !text.empty() && std::ranges::all_of(text, [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           kExtra.find(c) != std::string_view::npos;
  });
}

std::string_view trim_ows(std::string_view text) {
  return trim(text, kHttpWhitespace);
}

std::string quote_etag(std::string_view hex) {
  return "\"" + std::string{hex} + "\"";
}

std::string_view unquote_etag(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    return etag.substr(1, etag.size() - 2);
  }
  return etag;
}

}  // namespace toq::support

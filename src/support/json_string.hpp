#pragma once
// One JSON string literal, for the few places that write a small JSON document without a JSON
// library (core, whose dependencies are the standard library and fmt).

#include <string>
#include <string_view>

namespace toq::support {

// `text` quoted as a JSON string (RFC 8259): '"' and '\' escaped, control characters as \u00XX,
// every other byte (UTF-8 included) copied as is.
std::string json_quote(std::string_view text);

}  // namespace toq::support

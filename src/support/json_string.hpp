#pragma once
// One JSON string literal, for the few places that write a small JSON document without a JSON
// library (core, whose dependencies are the standard library and fmt).

#include <string>
#include <string_view>

namespace toq::support {

// `text` quoted as a JSON string (RFC 8259): '"' and '\' escaped, control characters as \u00XX,
// every other byte (UTF-8 included) copied as is.
std::string json_quote(std::string_view text);

// `text` as a JSON string literal the way JavaScript's JSON.stringify writes it, for documents
// whose exact bytes another program reproduces: '"' and '\' escaped, U+0008, U+0009, U+000A,
// U+000C, U+000D as \b \t \n \f \r, other characters below U+0020 as \u00xx (lower-case hex),
// everything else (non-ASCII UTF-8 and '/' included) as is. `text` must be valid UTF-8
// (JSON.stringify would also escape lone surrogates, which UTF-8 cannot hold).
std::string json_stringify_quote(std::string_view text);
// json_stringify_quote(text) appended to `out`.
void append_json_stringify_quoted(std::string& out, std::string_view text);

}  // namespace toq::support

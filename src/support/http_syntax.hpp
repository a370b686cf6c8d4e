#pragma once
// Pieces of HTTP's syntax (RFC 9110) that more than one module checks or writes.

#include <string>
#include <string_view>

namespace toq::support {

// A token: what a header name or a method may be made of (RFC 9110 section 5.6.2).
bool is_token(std::string_view text);

// `text` without RFC 9110's optional white space (space and tab) around it: header values and
// the items of a comma-separated list.
std::string_view trim_ows(std::string_view text);

// Entity tags: "\"<hex>\"" <-> "<hex>". ETags are stored and returned quoted, compared without
// the quotes.
std::string quote_etag(std::string_view hex);
// Drops one pair of surrounding double quotes, if there is one; anything else is returned as is.
std::string_view unquote_etag(std::string_view etag);

}  // namespace toq::support

#pragma once
// Percent-encoding as RFC 3986 (and SigV4) define it: unreserved characters pass, every other
// byte becomes %XX with upper-case hex. Also path normalisation and query-string parsing. Pure
// functions over bytes: UTF-8 is never validated or altered, only percent-encoded.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace toq::support {

// Name/value pairs in order; names may repeat (query parameters, HTTP headers).
using Params = std::vector<std::pair<std::string, std::string>>;

enum class Slash : unsigned char {
  kEncode,  // query names and values: '/' becomes %2F
  kKeep,    // paths: '/' separates segments and stays as is
};

// Percent-encodes every byte outside A-Z a-z 0-9 - . _ ~ (and '/' with Slash::kKeep).
std::string uri_encode(std::string_view bytes, Slash slash);

// Decodes %XX (either hex case). A '%' not followed by two hex digits is kept literally, and '+'
// stays '+': SigV4 clients encode a space as %20, never as '+'.
std::string uri_decode(std::string_view text);

// Removes "." and ".." segments and empty segments ("//"), the way botocore and the AWS CRT do for
// every service but S3. Keeps a leading '/', and a trailing '/' when anything is left before it;
// the empty path becomes "/". Works on the raw path: "%2E" is not a dot.
std::string normalize_path(std::string_view path);

// Splits a raw query string ("a=1&b&c=%20") on '&' and the first '=' of each piece, decoding names
// and values. A piece without '=' has an empty value; empty pieces ("a=1&&b=2") are dropped.
Params parse_query(std::string_view raw_query);

}  // namespace toq::support

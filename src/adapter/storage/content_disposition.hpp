#pragma once
// Content-Disposition values for download URLs (response-content-disposition), per RFC 6266 with
// the RFC 8187 (ex-5987) extended parameter, so a friendly UTF-8 name ("Sala de estar.jpg",
// "Fachada à noite.jpg") survives in every browser while old clients get an ASCII fallback.

#include <string>
#include <string_view>

namespace toq::storage {

// `attachment; filename="Fachada a noite.jpg"; filename*=UTF-8''Fachada%20%C3%A0%20noite.jpg`.
// The fallback folds Latin-1 accented letters to their base letter and replaces every other
// non-ASCII character, quote, backslash and control character with '_'. Each byte that is not
// well-formed UTF-8 (support::utf8_decode: truncated sequences, stray continuation bytes, overlong
// forms, surrogates) is replaced the same way, and percent-encoded as it is in filename*.
// `inline_disposition` gives "inline" instead of "attachment".
std::string content_disposition(std::string_view utf8_filename, bool inline_disposition = false);

}  // namespace toq::storage

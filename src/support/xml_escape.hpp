#pragma once
// XML escaping for the XML this code writes: S3 request bodies and the embedded store's S3-style
// error documents.

#include <string>
#include <string_view>

namespace toq::support {

// Escapes & < > " ' for element text (and attribute values); every other byte is copied as is.
std::string xml_escape(std::string_view text);

}  // namespace toq::support

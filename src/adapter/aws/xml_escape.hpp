#pragma once
// XML escaping for the S3 XML this code writes: request bodies of the S3 adapter and the error
// documents of the embedded store.

#include <string>
#include <string_view>

namespace toq::aws {

// Escapes & < > " ' for element text (and attribute values); every other byte is copied as is.
std::string xml_escape(std::string_view text);

}  // namespace toq::aws

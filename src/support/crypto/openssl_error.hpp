#pragma once
// The toq_support_crypto sources' common wording of an OpenSSL failure (not a public header).

#include <string>
#include <string_view>

namespace toq::support::detail {

// `what` plus the most recent entry of OpenSSL's error queue, for the operator's log; clears the
// queue.
std::string openssl_error(std::string_view what);

}  // namespace toq::support::detail

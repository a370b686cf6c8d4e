#pragma once
// Whether this build runs under AddressSanitizer, for the few places that must behave differently
// there (no address-space limit, the sanitizer's signal handlers undone, RSS bounds skipped).
// GCC defines __SANITIZE_ADDRESS__ with -fsanitize=address; clang reports it through
// __has_feature(address_sanitizer) only.

namespace toq::support {

#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kAddressSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kAddressSanitizer = true;
#else
inline constexpr bool kAddressSanitizer = false;
#endif
#else
inline constexpr bool kAddressSanitizer = false;
#endif

}  // namespace toq::support

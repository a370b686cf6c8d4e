#include "support/trace_context.hpp"

#include <array>
#include <random>

#include <fmt/format.h>

namespace toq::support {
namespace {

constexpr std::size_t kVersion00Size = 55;  // 2 + 1 + 32 + 1 + 16 + 1 + 2

bool is_lower_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

// `text` is `width` lower-case hex digits.
bool is_hex_field(std::string_view text, std::size_t width) {
  if (text.size() != width) return false;
  for (const char c : text) {
    if (!is_lower_hex(c)) return false;
  }
  return true;
}

bool all_zero(std::string_view text) {
  return text.find_first_not_of('0') == std::string_view::npos;
}

int hex_digit(char c) {
  return c <= '9' ? c - '0' : c - 'a' + 10;
}

std::string random_hex(std::size_t digits) {
  // Not a secret: unique ids only. One engine per thread, seeded from the system's entropy.
  thread_local std::mt19937_64 engine{[] {
    std::random_device device;
    std::seed_seq seed{device(), device(), device(), device()};
    return std::mt19937_64(seed);
  }()};
  static constexpr std::string_view kDigits = "0123456789abcdef";
  std::string out;
  out.reserve(digits);
  while (out.size() < digits) {
    auto bits = engine();
    for (int i = 0; i < 16 && out.size() < digits; ++i, bits >>= 4U) {
      out.push_back(kDigits[bits & 0x0FU]);
    }
  }
  return out;
}

}  // namespace

std::string TraceContext::traceparent() const {
  return fmt::format("00-{}-{}-{:02x}", trace_id, parent_id, flags);
}

std::optional<TraceContext> parse_traceparent(std::string_view header) {
  if (header.size() < kVersion00Size) return std::nullopt;
  const auto version = header.substr(0, 2);
  if (!is_hex_field(version, 2) || version == "ff") return std::nullopt;
  if (header[2] != '-' || header[35] != '-' || header[52] != '-') return std::nullopt;
  if (version == "00") {
    if (header.size() != kVersion00Size) return std::nullopt;
  } else if (header.size() > kVersion00Size && header[kVersion00Size] != '-') {
    return std::nullopt;  // a future version may add fields, each after a '-'
  }
  const auto trace_id = header.substr(3, 32);
  const auto parent_id = header.substr(36, 16);
  const auto flags = header.substr(53, 2);
  if (!is_hex_field(trace_id, 32) || !is_hex_field(parent_id, 16) || !is_hex_field(flags, 2)) {
    return std::nullopt;
  }
  if (all_zero(trace_id) || all_zero(parent_id)) return std::nullopt;
  return TraceContext{
      .trace_id = std::string(trace_id),
      .parent_id = std::string(parent_id),
      .flags = static_cast<std::uint8_t>((hex_digit(flags[0]) << 4) | hex_digit(flags[1]))};
}

bool is_traceparent(std::string_view header) {
  return header.starts_with("00-") && parse_traceparent(header).has_value();
}

TraceContext new_trace_context() {
  TraceContext out{.trace_id = random_hex(32), .parent_id = random_hex(16), .flags = 0x01};
  // All zeros is invalid; a draw of 128 (or 64) zero bits is replaced, however unlikely.
  if (all_zero(out.trace_id)) out.trace_id.back() = '1';
  if (all_zero(out.parent_id)) out.parent_id.back() = '1';
  return out;
}

std::string traceparent_for(std::string_view header) {
  const auto given = parse_traceparent(header);
  return given ? given->traceparent() : new_trace_context().traceparent();
}

}  // namespace toq::support

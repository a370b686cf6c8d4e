#pragma once
// Big-endian integers as file headers store them (PNG chunks, ISO BMFF boxes). The caller checks
// that offset + 4 is within the bytes.

#include <cstddef>
#include <cstdint>
#include <span>

namespace toq::media {

inline std::uint32_t be32(std::span<const std::byte> bytes, std::size_t offset) {
  return (std::to_integer<std::uint32_t>(bytes[offset]) << 24U) |
         (std::to_integer<std::uint32_t>(bytes[offset + 1]) << 16U) |
         (std::to_integer<std::uint32_t>(bytes[offset + 2]) << 8U) |
         std::to_integer<std::uint32_t>(bytes[offset + 3]);
}

}  // namespace toq::media

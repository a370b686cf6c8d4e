#pragma once
// Strongly typed row ids: a BatchId cannot be passed where a JobId is expected.

#include <compare>
#include <cstdint>
#include <functional>

namespace toq::core {

template <class Tag>
struct Id {
  std::int64_t value = 0;
  constexpr Id() = default;
  constexpr explicit Id(std::int64_t v) : value(v) {}
  friend constexpr auto operator<=>(const Id&, const Id&) = default;
};

using ListingId = Id<struct ListingTag>;  // the platform's listingIdentityId
using BatchId = Id<struct BatchTag>;
using AssetId = Id<struct AssetTag>;
using JobId = Id<struct JobTag>;
using UserId = Id<struct UserTag>;

}  // namespace toq::core

template <class Tag>
struct std::hash<toq::core::Id<Tag>> {
  std::size_t operator()(const toq::core::Id<Tag>& id) const noexcept {
    return std::hash<std::int64_t>{}(id.value);
  }
};

#pragma once
// Who is calling: the authenticated user and the one role their token grants. Built by the HTTP
// adapter from a verified token; use cases decide what the role may do (403 FORBIDDEN otherwise).

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "core/model/ids.hpp"

namespace toq::core {

// The contract's roles; the wire spelling is lower case ("photographer").
enum class Role : std::uint8_t { kPhotographer, kOwner, kAdmin, kClient, kService };

inline constexpr std::array<Role, 5> kAllRoles = {Role::kPhotographer, Role::kOwner, Role::kAdmin,
                                                  Role::kClient, Role::kService};

// "photographer", "owner", "admin", "client", "service".
constexpr std::string_view to_string(Role role) {
  switch (role) {
    case Role::kPhotographer: return "photographer";
    case Role::kOwner: return "owner";
    case Role::kAdmin: return "admin";
    case Role::kClient: return "client";
    case Role::kService: return "service";
  }
  return "unknown";
}

// The exact lower-case spelling only; nullopt for anything else ("Admin", "", "wizard").
constexpr std::optional<Role> parse_role(std::string_view text) {
  for (Role r : kAllRoles) {
    if (to_string(r) == text) return r;
  }
  return std::nullopt;
}

struct Principal {
  UserId user;
  Role role = Role::kClient;
  friend bool operator==(const Principal&, const Principal&) = default;
};

}  // namespace toq::core

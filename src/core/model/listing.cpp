#include "core/model/listing.hpp"

#include <fmt/format.h>

namespace toq::core {

std::string_view to_string(ListingKind kind) {
  return kind == ListingKind::kDevelopment ? "DEVELOPMENT" : "RESIDENTIAL";
}

std::optional<ListingKind> parse_listing_kind(std::string_view text) {
  if (text == "RESIDENTIAL") return ListingKind::kResidential;
  if (text == "DEVELOPMENT") return ListingKind::kDevelopment;
  return std::nullopt;
}

Status validate_listing_status(std::string_view status) {
  bool ok =
      !status.empty() && status.size() <= 64 && status.front() >= 'A' && status.front() <= 'Z';
  for (char c : status) {
    ok = ok && ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_');
  }
  if (ok) return {};
  return fail(ErrorCode::kInvalidRequest,
              fmt::format("listing status '{}' is not UPPER_SNAKE", status),
              "The listing status must be an UPPER_SNAKE word such as PENDING_PHOTO_PROCESSING.");
}

}  // namespace toq::core

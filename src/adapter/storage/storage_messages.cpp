#include "adapter/storage/storage_messages.hpp"

#include "support/text.hpp"

namespace toq::storage {

std::optional<std::string_view> find_header(const support::Params& headers, std::string_view name) {
  for (const auto& [n, v] : headers) {
    if (support::iequals(n, name)) return std::string_view{v};
  }
  return std::nullopt;
}

std::optional<std::string_view> find_param(const support::Params& params, std::string_view name) {
  for (const auto& [n, v] : params) {
    if (n == name) return std::string_view{v};
  }
  return std::nullopt;
}

std::string_view StorageResponse::header(std::string_view name) const {
  return find_header(headers, name).value_or(std::string_view{});
}

}  // namespace toq::storage

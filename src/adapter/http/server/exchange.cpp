#include "adapter/http/server/exchange.hpp"

#include <algorithm>

#include "support/text.hpp"

namespace toq::http {
namespace {

std::string_view first(const Headers& headers, std::string_view name) {
  const auto it = std::find_if(headers.begin(), headers.end(),
                               [&](const auto& h) { return support::iequals(h.first, name); });
  return it == headers.end() ? std::string_view{} : std::string_view{it->second};
}

}  // namespace

std::string_view Request::header(std::string_view name) const {
  return first(headers, name);
}

bool Request::has_header(std::string_view name) const {
  return std::any_of(headers.begin(), headers.end(),
                     [&](const auto& h) { return support::iequals(h.first, name); });
}

std::string_view Response::header(std::string_view name) const {
  return first(headers, name);
}

void Response::set_header(std::string_view name, std::string value) {
  std::erase_if(headers, [&](const auto& h) { return support::iequals(h.first, name); });
  headers.emplace_back(std::string{name}, std::move(value));
}

}  // namespace toq::http

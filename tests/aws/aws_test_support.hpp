#pragma once
// Small helpers shared by the SigV4 tests: file reading and raw-query comparison (the clock is
// support/manual_clock.hpp).

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "support/uri.hpp"

namespace toq::testing {

// The whole file as bytes; throws when it cannot be read, so a missing vector is loud.
inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in{path, std::ios::binary};
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Decoded query parameters in a stable order, for order-insensitive comparison.
inline support::Params sorted_query(std::string_view raw_query) {
  support::Params params = support::parse_query(raw_query);
  std::ranges::sort(params);
  return params;
}

// The raw "name=value" pieces of a query string, sorted: compares the encoding itself.
inline std::vector<std::string> sorted_raw_pieces(std::string_view raw_query) {
  std::vector<std::string> pieces;
  std::size_t start = 0;
  while (start <= raw_query.size()) {
    const std::size_t end = std::min(raw_query.find('&', start), raw_query.size());
    if (end > start) pieces.emplace_back(raw_query.substr(start, end - start));
    start = end + 1;
  }
  std::ranges::sort(pieces);
  return pieces;
}

}  // namespace toq::testing

#pragma once
// Small helpers shared by the MySQL repositories.

#include <optional>
#include <vector>

#include "adapter/mysql/connection.hpp"
#include "adapter/sql/repository_errors.hpp"
#include "adapter/sql/row_mapping.hpp"

namespace toq::mysql {

using sql::from_ms;
using sql::to_ms;

// Runs a query expected to yield at most one row and maps it with `map(rows)`.
template <class T, class Map>
Result<std::optional<T>> query_one(Statement& stmt, Map&& map) {
  auto rows = stmt.query();
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return std::optional<T>{};
  return std::optional<T>{map(*rows)};
}

// Runs a query and maps every row.
template <class T, class Map>
Result<std::vector<T>> query_all(Statement& stmt, Map&& map) {
  auto rows = stmt.query();
  if (!rows) return std::unexpected(rows.error());
  std::vector<T> out;
  out.reserve(rows->size());
  if (rows->empty()) return out;
  do {
    out.push_back(map(*rows));
  } while (rows->next());
  return out;
}

}  // namespace toq::mysql

#pragma once
// Small conversions shared by the SQLite repositories.

#include <cstdint>
#include <optional>

#include "adapter/sql/repository_errors.hpp"
#include "adapter/sql/row_mapping.hpp"
#include "adapter/sqlite/connection.hpp"

namespace toq::sqlite {

using sql::from_ms;
using sql::to_ms;

// True when the last failed statement broke a UNIQUE (or PRIMARY KEY) constraint.
inline bool is_unique_violation(const Connection& c) {
  const int e = c.extended_errcode();
  return e == SQLITE_CONSTRAINT_UNIQUE || e == SQLITE_CONSTRAINT_PRIMARYKEY;
}
inline bool is_foreign_key_violation(const Connection& c) {
  return c.extended_errcode() == SQLITE_CONSTRAINT_FOREIGNKEY;
}

// Runs a query expected to yield at most one row and maps it with `map(stmt)`.
template <class T, class Map>
Result<std::optional<T>> query_one(Statement& stmt, Map&& map) {
  auto r = stmt.step();
  if (!r) return std::unexpected(r.error());
  if (!*r) return std::optional<T>{};
  return std::optional<T>{map(stmt)};
}

// Runs a query and maps every row.
template <class T, class Map>
Result<std::vector<T>> query_all(Statement& stmt, Map&& map) {
  std::vector<T> out;
  while (true) {
    auto r = stmt.step();
    if (!r) return std::unexpected(r.error());
    if (!*r) return out;
    out.push_back(map(stmt));
  }
}

}  // namespace toq::sqlite

#pragma once
// JobRepository::list_prunable / remove_prunable, shared by the SQL adapters (both accept "?"
// placeholders). "No longer served" never becomes false again (only later runs are created), so
// remove_prunable checks it once and then deletes the rows that name the job, then the job: MySQL
// cannot name the table it deletes from in a subquery, so there is no single conditional DELETE.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "core/model/error.hpp"
#include "core/model/ids.hpp"

#include "adapter/sql/repository_errors.hpp"
#include "adapter/sql/row_mapping.hpp"

namespace toq::sql {

// list_prunable's query: (finished_before ms, limit).
inline std::string prunable_jobs_query() {
  return fmt::format(
      "SELECT {} FROM jobs WHERE {} AND jobs.completed_at <= ? ORDER BY jobs.completed_at, jobs.id "
      "LIMIT ?",
      kJobColumns, kJobSupersededCondition);
}

// remove_prunable on a job that exists. `count` runs a prepared "SELECT COUNT(*)" statement and
// returns Result<std::int64_t>.
template <class Connection, class Count>
core::Result<bool> remove_prunable_job(Connection& conn, core::JobId id, Count&& count) {
  auto check = conn.prepare(
      fmt::format("SELECT COUNT(*) FROM jobs WHERE jobs.id = ? AND {}", kJobSupersededCondition));
  if (!check) return std::unexpected(check.error());
  check->bind_all(id.value);
  auto superseded = count(*check);
  if (!superseded) return std::unexpected(superseded.error());
  if (*superseded == 0) return std::unexpected(job_still_served(id));
  // The job's rows in the tables that name it: its renditions, its work items (all DONE: a job
  // ends only once every item is) and, in the AWS mode, its execution start (long started or
  // given up: the job is finished).
  constexpr std::array<std::string_view, 4> kDeletes = {
      "DELETE FROM renditions WHERE job_id = ?", "DELETE FROM work_items WHERE job_id = ?",
      "DELETE FROM execution_starts WHERE job_id = ?", "DELETE FROM jobs WHERE id = ?"};
  for (const std::string_view sql : kDeletes) {
    auto del = conn.prepare(sql);
    if (!del) return std::unexpected(del.error());
    del->bind_all(id.value);
    if (auto r = del->run(); !r) return std::unexpected(r.error());
  }
  return true;
}

}  // namespace toq::sql

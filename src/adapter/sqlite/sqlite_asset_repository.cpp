#include "adapter/sqlite/sqlite_asset_repository.hpp"

#include <fmt/format.h>

#include "adapter/sql/asset_moves.hpp"
#include "adapter/sqlite/sql_util.hpp"

namespace toq::sqlite {

using core::Asset;
using core::AssetStatus;
using core::ErrorCode;

namespace {
std::string select_where(std::string_view where) {
  return fmt::format("SELECT {} FROM assets WHERE {}", sql::kAssetColumns, where);
}
}  // namespace

Result<Asset> SqliteAssetRepository::require(core::AssetId id) {
  auto a = find(id);
  if (!a) return std::unexpected(a.error());
  if (!*a) return std::unexpected(sql::asset_not_found(id));
  return **a;
}

Result<std::vector<Asset>> SqliteAssetRepository::add(
    core::BatchId batch, const std::vector<core::FileDeclaration>& files, core::Timestamp now) {
  // The stored row comes back from the INSERT itself (RETURNING, SQLite >= 3.35): no second
  // statement per file to read it again.
  static const std::string insert = fmt::format(
      "INSERT INTO assets (batch_id, client_id, media_type, filename, content_type, bytes, "
      "checksum_sha256, title, sequence, status, created_at, updated_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'PENDING_UPLOAD', ?10, ?10) RETURNING {}",
      sql::kAssetColumns);
  std::vector<Asset> out;
  out.reserve(files.size());
  for (const auto& f : files) {
    auto stmt = conn_.prepare(insert);
    if (!stmt) return std::unexpected(stmt.error());
    stmt->bind_all(batch.value, f.client_id, core::to_string(f.media_type), f.filename,
                   f.content_type, f.bytes, f.checksum_sha256, f.title, f.sequence, to_ms(now));
    auto stored = query_one<Asset>(*stmt, sql::map_asset<Statement>);
    if (!stored) {
      if (is_foreign_key_violation(conn_)) {
        return std::unexpected(sql::batch_not_found(batch));
      }
      if (is_unique_violation(conn_)) {
        return std::unexpected(sql::duplicate_asset(batch, f, stored.error().message));
      }
      return std::unexpected(stored.error());
    }
    if (!*stored) {
      return core::fail(ErrorCode::kDatabaseError, "INSERT INTO assets returned no row");
    }
    if (auto done = stmt->run(); !done) return std::unexpected(done.error());
    out.push_back(std::move(**stored));
  }
  return out;
}

Result<std::vector<Asset>> SqliteAssetRepository::list_by_batch(core::BatchId batch) {
  auto stmt = conn_.prepare(select_where("batch_id = ?1 ORDER BY id"));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(batch.value);
  return query_all<Asset>(*stmt, sql::map_asset<Statement>);
}

Result<std::optional<Asset>> SqliteAssetRepository::find(core::AssetId id) {
  auto stmt = conn_.prepare(select_where("id = ?1"));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(id.value);
  return query_one<Asset>(*stmt, sql::map_asset<Statement>);
}

Result<Asset> SqliteAssetRepository::set_multipart_upload_id(core::AssetId id,
                                                             std::string upload_id,
                                                             core::Timestamp now) {
  auto stmt =
      conn_.prepare("UPDATE assets SET multipart_upload_id = ?2, updated_at = ?3 WHERE id = ?1");
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(id.value, upload_id, to_ms(now));
  if (auto r = stmt->run(); !r) return std::unexpected(r.error());
  if (conn_.changes() == 0) return std::unexpected(sql::asset_not_found(id));
  return require(id);
}

Result<Asset> SqliteAssetRepository::transition(core::AssetId id, AssetStatus from, AssetStatus to,
                                                core::Timestamp now) {
  return sql::transition_asset(
      id, from, to,
      [&]() -> Result<int> {
        auto stmt = conn_.prepare(
            "UPDATE assets SET status = ?3, updated_at = ?4, error_code = NULL, error_message = "
            "NULL, error_hint = NULL, error_traceparent = NULL WHERE id = ?1 AND status = ?2");
        if (!stmt) return std::unexpected(stmt.error());
        stmt->bind_all(id.value, core::to_string(from), core::to_string(to), to_ms(now));
        if (auto r = stmt->run(); !r) return std::unexpected(r.error());
        return conn_.changes();
      },
      [&](core::AssetId asset) { return require(asset); });
}

Result<Asset> SqliteAssetRepository::mark_processing(core::AssetId id, core::JobId job,
                                                     core::Timestamp now) {
  return sql::process_asset(
      require(id), job,
      [&](AssetStatus from) -> Result<int> {
        auto stmt = conn_.prepare(
            "UPDATE assets SET status = 'PROCESSING', job_id = ?3, updated_at = ?4, error_code = "
            "NULL, error_message = NULL, error_hint = NULL, error_traceparent = NULL WHERE id = ?1 "
            "AND status = ?2");
        if (!stmt) return std::unexpected(stmt.error());
        stmt->bind_all(id.value, core::to_string(from), job.value, to_ms(now));
        if (auto r = stmt->run(); !r) {
          if (is_foreign_key_violation(conn_)) return std::unexpected(sql::job_not_found(job));
          return std::unexpected(r.error());
        }
        return conn_.changes();
      },
      [&](core::AssetId asset) { return require(asset); });
}

Result<Asset> SqliteAssetRepository::mark_ready(core::AssetId id, core::JobId job,
                                                const core::MediaFacts& facts,
                                                const std::vector<core::Rendition>& renditions,
                                                core::Timestamp now) {
  auto current = require(id);
  if (!current) return current;
  if (auto held = sql::held_for_ready(*current, job); !held) return std::unexpected(held.error());
  auto stmt = conn_.prepare(
      "UPDATE assets SET status = 'READY', width = ?3, height = ?4, duration_ms = ?5, format = ?6, "
      "codec = ?7, rotation = ?8, hdr = ?9, has_audio = ?10, updated_at = ?11 "
      "WHERE id = ?1 AND status = 'PROCESSING' AND job_id = ?2");
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(id.value, job.value, facts.width, facts.height, facts.duration_ms, facts.format,
                 facts.codec, facts.rotation, facts.hdr, facts.has_audio, to_ms(now));
  if (auto r = stmt->run(); !r) return std::unexpected(r.error());
  if (conn_.changes() == 0) {
    return std::unexpected(
        sql::asset_stale(*current, sql::expected_asset_state(AssetStatus::kProcessing, job)));
  }
  for (const auto& rd : renditions) {
    if (rd.asset_id != id || rd.job_id != job) {
      return std::unexpected(sql::foreign_rendition(rd, id, job));
    }
    auto ins = conn_.prepare(
        "INSERT INTO renditions (asset_id, job_id, name, format, width, height, bytes, key, "
        "sha256_hex) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    if (!ins) return std::unexpected(ins.error());
    ins->bind_all(id.value, job.value, rd.name, rd.format, rd.width, rd.height, rd.bytes, rd.key,
                  rd.sha256_hex);
    if (auto r = ins->run(); !r) {
      if (is_unique_violation(conn_)) {
        return std::unexpected(sql::duplicate_rendition(rd));
      }
      return std::unexpected(r.error());
    }
  }
  return require(id);
}

Result<Asset> SqliteAssetRepository::mark_failed(core::AssetId id, AssetStatus from,
                                                 std::optional<core::JobId> job,
                                                 const core::AssetFailure& failure,
                                                 core::Timestamp now) {
  return sql::fail_asset(
      id, from, job,
      [&]() -> Result<int> {
        std::optional<std::int64_t> job_value;
        if (job) job_value = job->value;
        auto stmt = conn_.prepare(
            "UPDATE assets SET status = 'FAILED', error_code = ?3, error_message = ?4, "
            "error_hint = ?5, job_id = coalesce(?6, job_id), updated_at = ?7, "
            "error_traceparent = ?8 "
            "WHERE id = ?1 AND status = ?2 AND (status <> 'PROCESSING' OR job_id = ?6)");
        if (!stmt) return std::unexpected(stmt.error());
        stmt->bind_all(id.value, core::to_string(from), core::to_string(failure.code),
                       failure.message, failure.hint, job_value, to_ms(now), failure.traceparent);
        if (auto r = stmt->run(); !r) return std::unexpected(r.error());
        return conn_.changes();
      },
      [&](core::AssetId asset) { return require(asset); });
}

Result<std::vector<core::Rendition>> SqliteAssetRepository::renditions(core::AssetId id,
                                                                       core::JobId job) {
  auto stmt = conn_.prepare(
      fmt::format("SELECT {} FROM renditions WHERE asset_id = ?1 AND job_id = ?2 ORDER BY id",
                  sql::kRenditionColumns));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(id.value, job.value);
  return query_all<core::Rendition>(*stmt, sql::map_rendition<Statement>);
}

}  // namespace toq::sqlite

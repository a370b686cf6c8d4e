#include "adapter/mysql/mysql_asset_repository.hpp"

#include <fmt/format.h>

#include "adapter/mysql/sql_util.hpp"
#include "adapter/sql/asset_moves.hpp"

namespace toq::mysql {

using core::Asset;
using core::AssetStatus;

namespace {
std::string select_where(std::string_view where) {
  return fmt::format("SELECT {} FROM assets WHERE {}", sql::kAssetColumns, where);
}
}  // namespace

Result<Asset> MysqlAssetRepository::require(core::AssetId id) {
  auto a = find(id);
  if (!a) return std::unexpected(a.error());
  if (!*a) return std::unexpected(sql::asset_not_found(id));
  return **a;
}

Result<std::vector<Asset>> MysqlAssetRepository::add(
    core::BatchId batch, const std::vector<core::FileDeclaration>& files, core::Timestamp now) {
  std::vector<Asset> out;
  out.reserve(files.size());
  for (const auto& f : files) {
    auto stmt = conn_.prepare(
        "INSERT INTO assets (batch_id, client_id, media_type, filename, content_type, bytes, "
        "checksum_sha256, title, sequence, status, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'PENDING_UPLOAD', ?, ?)");
    if (!stmt) return std::unexpected(stmt.error());
    stmt->bind_all(batch.value, f.client_id, core::to_string(f.media_type), f.filename,
                   f.content_type, f.bytes, f.checksum_sha256, f.title, f.sequence, to_ms(now),
                   to_ms(now));
    if (auto r = stmt->run(); !r) {
      const auto kind = conn_.last_error_kind();
      if (kind == ErrorKind::kForeignKey) return std::unexpected(sql::batch_not_found(batch));
      if (kind == ErrorKind::kDuplicateKey) {
        return std::unexpected(sql::duplicate_asset(batch, f, r.error().message));
      }
      return std::unexpected(r.error());
    }
    auto stored = require(core::AssetId{stmt->insert_id()});
    if (!stored) return std::unexpected(stored.error());
    out.push_back(std::move(*stored));
  }
  return out;
}

Result<std::vector<Asset>> MysqlAssetRepository::list_by_batch(core::BatchId batch) {
  auto stmt = conn_.prepare(select_where("batch_id = ? ORDER BY id"));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind(batch.value);
  return query_all<Asset>(*stmt, sql::map_asset<Rows>);
}

Result<std::optional<Asset>> MysqlAssetRepository::find(core::AssetId id) {
  auto stmt = conn_.prepare(select_where("id = ?"));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind(id.value);
  return query_one<Asset>(*stmt, sql::map_asset<Rows>);
}

Result<Asset> MysqlAssetRepository::set_multipart_upload_id(core::AssetId id, std::string upload_id,
                                                            core::Timestamp now) {
  auto stmt =
      conn_.prepare("UPDATE assets SET multipart_upload_id = ?, updated_at = ? WHERE id = ?");
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(upload_id, to_ms(now), id.value);
  auto matched = stmt->run();
  if (!matched) return std::unexpected(matched.error());
  if (*matched == 0) return std::unexpected(sql::asset_not_found(id));
  return require(id);
}

Result<Asset> MysqlAssetRepository::transition(core::AssetId id, AssetStatus from, AssetStatus to,
                                               core::Timestamp now) {
  return sql::transition_asset(
      id, from, to,
      [&]() -> Result<std::uint64_t> {
        auto stmt = conn_.prepare(
            "UPDATE assets SET status = ?, updated_at = ?, error_code = NULL, error_message = "
            "NULL, error_hint = NULL, error_traceparent = NULL WHERE id = ? AND status = ?");
        if (!stmt) return std::unexpected(stmt.error());
        stmt->bind_all(core::to_string(to), to_ms(now), id.value, core::to_string(from));
        return stmt->run();
      },
      [&](core::AssetId asset) { return require(asset); });
}

Result<Asset> MysqlAssetRepository::mark_processing(core::AssetId id, core::JobId job,
                                                    core::Timestamp now) {
  return sql::process_asset(
      require(id), job,
      [&](AssetStatus from) -> Result<std::uint64_t> {
        auto stmt = conn_.prepare(
            "UPDATE assets SET status = 'PROCESSING', job_id = ?, updated_at = ?, error_code = "
            "NULL, error_message = NULL, error_hint = NULL, error_traceparent = NULL WHERE id = ? "
            "AND status = ?");
        if (!stmt) return std::unexpected(stmt.error());
        stmt->bind_all(job.value, to_ms(now), id.value, core::to_string(from));
        auto matched = stmt->run();
        if (!matched && conn_.last_error_kind() == ErrorKind::kForeignKey) {
          return std::unexpected(sql::job_not_found(job));
        }
        return matched;
      },
      [&](core::AssetId asset) { return require(asset); });
}

Result<Asset> MysqlAssetRepository::mark_ready(core::AssetId id, core::JobId job,
                                               const core::MediaFacts& facts,
                                               const std::vector<core::Rendition>& renditions,
                                               core::Timestamp now) {
  auto current = require(id);
  if (!current) return current;
  if (auto held = sql::held_for_ready(*current, job); !held) return std::unexpected(held.error());
  auto stmt = conn_.prepare(
      "UPDATE assets SET status = 'READY', width = ?, height = ?, duration_ms = ?, format = ?, "
      "codec = ?, rotation = ?, hdr = ?, has_audio = ?, updated_at = ? "
      "WHERE id = ? AND status = 'PROCESSING' AND job_id = ?");
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(facts.width, facts.height, facts.duration_ms, facts.format, facts.codec,
                 facts.rotation, facts.hdr, facts.has_audio, to_ms(now), id.value, job.value);
  auto matched = stmt->run();
  if (!matched) return std::unexpected(matched.error());
  if (*matched == 0) {
    return std::unexpected(
        sql::asset_stale(*current, sql::expected_asset_state(AssetStatus::kProcessing, job)));
  }
  for (const auto& rd : renditions) {
    if (rd.asset_id != id || rd.job_id != job) {
      return std::unexpected(sql::foreign_rendition(rd, id, job));
    }
    auto ins = conn_.prepare(
        "INSERT INTO renditions (asset_id, job_id, name, format, width, height, bytes, `key`, "
        "sha256_hex) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!ins) return std::unexpected(ins.error());
    ins->bind_all(id.value, job.value, rd.name, rd.format, rd.width, rd.height, rd.bytes, rd.key,
                  rd.sha256_hex);
    if (auto r = ins->run(); !r) {
      if (conn_.last_error_kind() == ErrorKind::kDuplicateKey) {
        return std::unexpected(sql::duplicate_rendition(rd));
      }
      return std::unexpected(r.error());
    }
  }
  return require(id);
}

Result<Asset> MysqlAssetRepository::mark_failed(core::AssetId id, AssetStatus from,
                                                std::optional<core::JobId> job,
                                                const core::AssetFailure& failure,
                                                core::Timestamp now) {
  return sql::fail_asset(
      id, from, job,
      [&]() -> Result<std::uint64_t> {
        std::optional<std::int64_t> job_value;
        if (job) job_value = job->value;
        auto stmt = conn_.prepare(
            "UPDATE assets SET status = 'FAILED', error_code = ?, error_message = ?, "
            "error_hint = ?, job_id = COALESCE(?, job_id), updated_at = ?, error_traceparent = ? "
            "WHERE id = ? AND status = ? AND (status <> 'PROCESSING' OR job_id = ?)");
        if (!stmt) return std::unexpected(stmt.error());
        stmt->bind_all(core::to_string(failure.code), failure.message, failure.hint, job_value,
                       to_ms(now), failure.traceparent, id.value, core::to_string(from), job_value);
        return stmt->run();
      },
      [&](core::AssetId asset) { return require(asset); });
}

Result<std::vector<core::Rendition>> MysqlAssetRepository::renditions(core::AssetId id,
                                                                      core::JobId job) {
  auto stmt = conn_.prepare(
      fmt::format("SELECT {} FROM renditions WHERE asset_id = ? AND job_id = ? ORDER BY id",
                  sql::kRenditionColumns));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(id.value, job.value);
  return query_all<core::Rendition>(*stmt, sql::map_rendition<Rows>);
}

}  // namespace toq::mysql

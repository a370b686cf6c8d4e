#include "adapter/sqlite/sqlite_asset_repository.hpp"

#include <fmt/format.h>

#include "adapter/sqlite/sql_util.hpp"

namespace toq::sqlite {

using core::Asset;
using core::AssetStatus;
using core::ErrorCode;

namespace {
constexpr std::string_view kColumns =
    "id, batch_id, client_id, media_type, filename, content_type, bytes, checksum_sha256, title, "
    "sequence, status, multipart_upload_id, width, height, duration_ms, format, codec, rotation, "
    "hdr, has_audio, error_code, error_message, error_hint, job_id, created_at, updated_at";

std::string select_where(std::string_view where) {
  return fmt::format("SELECT {} FROM assets WHERE {}", kColumns, where);
}

std::optional<std::int32_t> opt_int32(const Statement& s, int col) {
  if (s.is_null(col)) return std::nullopt;
  return s.int32(col);
}

Asset map_asset(const Statement& s) {
  Asset a;
  a.id = core::AssetId{s.int64(0)};
  a.batch_id = core::BatchId{s.int64(1)};
  a.declared.client_id = s.text(2);
  a.declared.media_type =
      core::parse_media_type(s.text(3)).value_or(core::MediaType::kPhotoHorizontal);
  a.declared.filename = s.text(4);
  a.declared.content_type = s.text(5);
  a.declared.bytes = s.int64(6);
  a.declared.checksum_sha256 = s.text(7);
  a.declared.title = s.text(8);
  a.declared.sequence = s.int64(9);
  a.status = core::parse_asset_status(s.text(10)).value_or(AssetStatus::kFailed);
  a.multipart_upload_id = s.opt_text(11);
  a.facts.width = opt_int32(s, 12);
  a.facts.height = opt_int32(s, 13);
  a.facts.duration_ms = s.opt_int64(14);
  a.facts.format = s.opt_text(15);
  a.facts.codec = s.opt_text(16);
  a.facts.rotation = opt_int32(s, 17);
  a.facts.hdr = s.int64(18) != 0;
  a.facts.has_audio = s.int64(19) != 0;
  if (auto code = s.opt_text(20)) {
    a.failure = core::AssetFailure{core::parse_error_code(*code).value_or(ErrorCode::kInternal),
                                   s.opt_text(21).value_or(""), s.opt_text(22).value_or("")};
  }
  if (auto job = s.opt_int64(23)) a.job_id = core::JobId{*job};
  a.created_at = from_ms(s.int64(24));
  a.updated_at = from_ms(s.int64(25));
  return a;
}

core::Rendition map_rendition(const Statement& s) {
  core::Rendition r;
  r.asset_id = core::AssetId{s.int64(0)};
  r.job_id = core::JobId{s.int64(1)};
  r.name = s.text(2);
  r.format = s.text(3);
  r.width = s.int32(4);
  r.height = s.int32(5);
  r.bytes = s.int64(6);
  r.key = s.text(7);
  r.sha256_hex = s.text(8);
  return r;
}

core::Error not_found(core::AssetId id) {
  return core::make_error(ErrorCode::kAssetNotFound, fmt::format("asset {} not found", id.value));
}

core::Error stale(const Asset& a, std::string_view expected) {
  return core::make_error(
      ErrorCode::kStaleState,
      fmt::format("asset {} is {} (job {}), expected {}", a.id.value, core::to_string(a.status),
                  a.job_id ? a.job_id->value : 0, expected));
}
}  // namespace

Result<Asset> SqliteAssetRepository::require(core::AssetId id) {
  auto a = find(id);
  if (!a) return std::unexpected(a.error());
  if (!*a) return std::unexpected(not_found(id));
  return **a;
}

Result<std::vector<Asset>> SqliteAssetRepository::add(
    core::BatchId batch, const std::vector<core::FileDeclaration>& files, core::Timestamp now) {
  std::vector<Asset> out;
  out.reserve(files.size());
  for (const auto& f : files) {
    auto stmt = conn_.prepare(
        "INSERT INTO assets (batch_id, client_id, media_type, filename, content_type, bytes, "
        "checksum_sha256, title, sequence, status, created_at, updated_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'PENDING_UPLOAD', ?10, ?10)");
    if (!stmt) return std::unexpected(stmt.error());
    stmt->bind_all(batch.value, f.client_id, core::to_string(f.media_type), f.filename,
                   f.content_type, f.bytes, f.checksum_sha256, f.title, f.sequence, to_ms(now));
    if (auto r = stmt->run(); !r) {
      if (is_foreign_key_violation(conn_)) {
        return core::fail(ErrorCode::kBatchNotFound,
                          fmt::format("batch {} not found", batch.value));
      }
      if (is_unique_violation(conn_)) {
        return core::fail(ErrorCode::kConflict,
                          fmt::format("batch {} already has an asset with clientId '{}' or "
                                      "sequence {} for {}: {}",
                                      batch.value, f.client_id, f.sequence,
                                      core::to_string(f.media_type), r.error().message),
                          "Each clientId, and each sequence within a media type, must be unique.");
      }
      return std::unexpected(r.error());
    }
    auto stored = require(core::AssetId{conn_.last_insert_rowid()});
    if (!stored) return std::unexpected(stored.error());
    out.push_back(std::move(*stored));
  }
  return out;
}

Result<std::vector<Asset>> SqliteAssetRepository::list_by_batch(core::BatchId batch) {
  auto stmt = conn_.prepare(select_where("batch_id = ?1 ORDER BY id"));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(batch.value);
  return query_all<Asset>(*stmt, map_asset);
}

Result<std::optional<Asset>> SqliteAssetRepository::find(core::AssetId id) {
  auto stmt = conn_.prepare(select_where("id = ?1"));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(id.value);
  return query_one<Asset>(*stmt, map_asset);
}

Result<Asset> SqliteAssetRepository::set_multipart_upload_id(core::AssetId id,
                                                             std::string upload_id,
                                                             core::Timestamp now) {
  auto stmt =
      conn_.prepare("UPDATE assets SET multipart_upload_id = ?2, updated_at = ?3 WHERE id = ?1");
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(id.value, upload_id, to_ms(now));
  if (auto r = stmt->run(); !r) return std::unexpected(r.error());
  if (conn_.changes() == 0) return std::unexpected(not_found(id));
  return require(id);
}

Result<Asset> SqliteAssetRepository::transition(core::AssetId id, AssetStatus from, AssetStatus to,
                                                core::Timestamp now) {
  if (auto legal = core::check_transition(from, to, id.value); !legal) {
    return std::unexpected(legal.error());
  }
  if (to == AssetStatus::kFailed || to == AssetStatus::kProcessing || to == AssetStatus::kReady) {
    // These moves carry data (failure, job, facts): mark_* record it with the move.
    return core::fail(ErrorCode::kInvalidRequest,
                      fmt::format("asset {}: use mark_processing/mark_ready/mark_failed to move "
                                  "to {}",
                                  id.value, core::to_string(to)));
  }
  auto stmt = conn_.prepare(
      "UPDATE assets SET status = ?3, updated_at = ?4, error_code = NULL, error_message = NULL, "
      "error_hint = NULL WHERE id = ?1 AND status = ?2");
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(id.value, core::to_string(from), core::to_string(to), to_ms(now));
  if (auto r = stmt->run(); !r) return std::unexpected(r.error());
  const int changed = conn_.changes();
  auto current = require(id);
  if (!current) return current;
  if (changed == 0) return std::unexpected(stale(*current, core::to_string(from)));
  return current;
}

Result<Asset> SqliteAssetRepository::mark_processing(core::AssetId id, core::JobId job,
                                                     core::Timestamp now) {
  auto current = require(id);
  if (!current) return current;
  if (current->status == AssetStatus::kProcessing && current->job_id == job) return current;
  if (auto legal = core::check_transition(current->status, AssetStatus::kProcessing, id.value);
      !legal) {
    return std::unexpected(legal.error());
  }
  auto stmt = conn_.prepare(
      "UPDATE assets SET status = 'PROCESSING', job_id = ?3, updated_at = ?4, error_code = NULL, "
      "error_message = NULL, error_hint = NULL WHERE id = ?1 AND status = ?2");
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(id.value, core::to_string(current->status), job.value, to_ms(now));
  if (auto r = stmt->run(); !r) {
    if (is_foreign_key_violation(conn_)) {
      return core::fail(ErrorCode::kJobNotFound, fmt::format("job {} not found", job.value));
    }
    return std::unexpected(r.error());
  }
  if (conn_.changes() == 0) return std::unexpected(stale(*current, "its previous state"));
  return require(id);
}

Result<Asset> SqliteAssetRepository::mark_ready(core::AssetId id, core::JobId job,
                                                const core::MediaFacts& facts,
                                                const std::vector<core::Rendition>& renditions,
                                                core::Timestamp now) {
  auto current = require(id);
  if (!current) return current;
  if (current->status != AssetStatus::kProcessing || current->job_id != job) {
    return std::unexpected(stale(*current, fmt::format("PROCESSING by job {}", job.value)));
  }
  auto stmt = conn_.prepare(
      "UPDATE assets SET status = 'READY', width = ?3, height = ?4, duration_ms = ?5, format = ?6, "
      "codec = ?7, rotation = ?8, hdr = ?9, has_audio = ?10, updated_at = ?11 "
      "WHERE id = ?1 AND status = 'PROCESSING' AND job_id = ?2");
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(id.value, job.value, facts.width, facts.height, facts.duration_ms, facts.format,
                 facts.codec, facts.rotation, facts.hdr, facts.has_audio, to_ms(now));
  if (auto r = stmt->run(); !r) return std::unexpected(r.error());
  for (const auto& rd : renditions) {
    if (rd.asset_id != id || rd.job_id != job) {
      return core::fail(
          ErrorCode::kInvalidRequest,
          fmt::format("rendition {} belongs to asset {} job {}, not asset {} job {}", rd.key,
                      rd.asset_id.value, rd.job_id.value, id.value, job.value));
    }
    auto ins = conn_.prepare(
        "INSERT INTO renditions (asset_id, job_id, name, format, width, height, bytes, key, "
        "sha256_hex) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    if (!ins) return std::unexpected(ins.error());
    ins->bind_all(id.value, job.value, rd.name, rd.format, rd.width, rd.height, rd.bytes, rd.key,
                  rd.sha256_hex);
    if (auto r = ins->run(); !r) {
      if (is_unique_violation(conn_)) {
        return core::fail(ErrorCode::kConflict,
                          fmt::format("rendition {}/{} of asset {} job {} (key {}) already "
                                      "recorded",
                                      rd.name, rd.format, id.value, job.value, rd.key));
      }
      return std::unexpected(r.error());
    }
  }
  return require(id);
}

Result<Asset> SqliteAssetRepository::mark_failed(core::AssetId id, std::optional<core::JobId> job,
                                                 const core::AssetFailure& failure,
                                                 core::Timestamp now) {
  auto current = require(id);
  if (!current) return current;
  if (auto legal = core::check_transition(current->status, AssetStatus::kFailed, id.value);
      !legal) {
    return std::unexpected(legal.error());
  }
  if (current->status == AssetStatus::kProcessing && current->job_id != job) {
    return std::unexpected(
        stale(*current, fmt::format("PROCESSING by job {}", job ? job->value : 0)));
  }
  std::optional<std::int64_t> job_value;
  if (job) job_value = job->value;
  auto stmt = conn_.prepare(
      "UPDATE assets SET status = 'FAILED', error_code = ?3, error_message = ?4, error_hint = ?5, "
      "job_id = coalesce(?6, job_id), updated_at = ?7 WHERE id = ?1 AND status = ?2");
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(id.value, core::to_string(current->status), core::to_string(failure.code),
                 failure.message, failure.hint, job_value, to_ms(now));
  if (auto r = stmt->run(); !r) return std::unexpected(r.error());
  if (conn_.changes() == 0) return std::unexpected(stale(*current, "its previous state"));
  return require(id);
}

Result<std::vector<core::Rendition>> SqliteAssetRepository::renditions(core::AssetId id,
                                                                       core::JobId job) {
  auto stmt = conn_.prepare(
      "SELECT asset_id, job_id, name, format, width, height, bytes, key, sha256_hex "
      "FROM renditions WHERE asset_id = ?1 AND job_id = ?2 ORDER BY id");
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(id.value, job.value);
  return query_all<core::Rendition>(*stmt, map_rendition);
}

}  // namespace toq::sqlite

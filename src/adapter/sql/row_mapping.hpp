#pragma once
// What the SQL adapters (SQLite, MySQL) share: the column lists of every table, in the order the
// mappers read them, and the mappers from a result row to the core's entities. A Row is any type
// with int64(col), int32(col), text(col), is_null(col), opt_int64(col) and opt_text(col); times
// are stored as integer milliseconds since the Unix epoch (UTC) in both adapters.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "core/model/asset.hpp"
#include "core/model/batch.hpp"
#include "core/model/execution.hpp"
#include "core/model/job.hpp"
#include "core/model/listing.hpp"
#include "core/model/outbox.hpp"
#include "core/model/rendition.hpp"
#include "core/model/time.hpp"
#include "core/model/work_item.hpp"
#include "core/port/job_repository.hpp"
#include "core/port/outbox_repository.hpp"

namespace toq::sql {

inline std::int64_t to_ms(core::Timestamp t) {
  return t.time_since_epoch().count();
}
inline core::Timestamp from_ms(std::int64_t ms) {
  return core::Timestamp{std::chrono::milliseconds{ms}};
}
inline std::optional<std::int64_t> to_ms(const std::optional<core::Timestamp>& t) {
  if (!t) return std::nullopt;
  return to_ms(*t);
}
template <class Row>
std::optional<core::Timestamp> opt_time(const Row& r, int col) {
  auto v = r.opt_int64(col);
  if (!v) return std::nullopt;
  return from_ms(*v);
}
template <class Row>
std::optional<std::int32_t> opt_int32(const Row& r, int col) {
  if (r.is_null(col)) return std::nullopt;
  return r.int32(col);
}

inline constexpr std::string_view kListingColumns =
    "id, owner_id, photographer_id, kind, status, updated_at";
inline constexpr std::string_view kBatchColumns =
    "id, listing_id, reference, status, created_by, created_at, updated_at, expires_at, "
    "deleted_at, raw_removed_at, objects_removed_at";
inline constexpr std::string_view kAssetColumns =
    "id, batch_id, client_id, media_type, filename, content_type, bytes, checksum_sha256, title, "
    "sequence, status, multipart_upload_id, width, height, duration_ms, format, codec, rotation, "
    "hdr, has_audio, error_code, error_message, error_hint, job_id, created_at, updated_at, "
    "error_traceparent";
inline constexpr std::string_view kRenditionColumns =
    "asset_id, job_id, name, format, width, height, bytes, `key`, sha256_hex";
inline constexpr std::string_view kJobColumns =
    "id, batch_id, run, attempt, status, created_at, started_at, completed_at, lease_owner, "
    "lease_expires_at, error_code, error_message, archive_key, archive_bytes, archive_sha256_hex, "
    "available_at, traceparent";
// JobRepository::list_prunable's "no longer served", on the outer table `jobs` (no placeholders).
inline constexpr std::string_view kJobSupersededCondition =
    "jobs.status IN ('SUCCEEDED', 'FAILED') "
    "AND EXISTS (SELECT 1 FROM jobs k WHERE k.batch_id = jobs.batch_id AND k.run > jobs.run) "
    "AND (jobs.status = 'FAILED' OR EXISTS (SELECT 1 FROM jobs k WHERE k.batch_id = jobs.batch_id "
    "AND k.status = 'SUCCEEDED' AND k.run > jobs.run)) "
    "AND NOT EXISTS (SELECT 1 FROM assets a WHERE a.job_id = jobs.id)";
inline constexpr std::string_view kWorkItemColumns =
    "job_id, asset_id, heavy, status, attempt, available_at, lease_owner, lease_expires_at, "
    "claimed_at, done_at, error_message, created_at";
inline constexpr std::string_view kOutboxColumns =
    "id, event_id, type, payload, created_at, next_attempt_at, attempts, delivered_at, last_error, "
    "traceparent";
inline constexpr std::string_view kExecutionStartColumns =
    "id, job_id, name, input, created_at, next_attempt_at, attempts, claimed_by, "
    "claim_expires_at, started_at, execution_arn, last_error";

// One row, the same SQL in both dialects (COUNT is an integer in both; SUM is DECIMAL in MySQL).
inline constexpr std::string_view kJobQueueStatsQuery =
    "SELECT COUNT(CASE WHEN status = 'QUEUED' THEN 1 END), "
    "COUNT(CASE WHEN status = 'RUNNING' THEN 1 END), "
    "MIN(CASE WHEN status = 'QUEUED' THEN created_at END), MIN(created_at) "
    "FROM jobs WHERE status IN ('QUEUED', 'RUNNING')";
inline constexpr std::string_view kOutboxStatsQuery =
    "SELECT COUNT(*), MIN(created_at) FROM outbox WHERE delivered_at IS NULL";
inline constexpr std::string_view kExecutionStartStatsQuery =
    "SELECT COUNT(*), MIN(created_at) FROM execution_starts WHERE started_at IS NULL";

template <class Row>
core::Listing map_listing(const Row& r) {
  core::Listing l;
  l.id = core::ListingId{r.int64(0)};
  l.owner_id = core::UserId{r.int64(1)};
  if (auto p = r.opt_int64(2)) l.photographer_id = core::UserId{*p};
  l.kind = core::parse_listing_kind(r.text(3)).value_or(core::ListingKind::kResidential);
  l.status = r.text(4);
  l.updated_at = from_ms(r.int64(5));
  return l;
}

template <class Row>
core::Batch map_batch(const Row& r) {
  core::Batch b;
  b.id = core::BatchId{r.int64(0)};
  b.listing_id = core::ListingId{r.int64(1)};
  b.reference = r.text(2);
  b.status = core::parse_batch_status(r.text(3)).value_or(core::BatchStatus::kFailed);
  b.created_by = core::UserId{r.int64(4)};
  b.created_at = from_ms(r.int64(5));
  b.updated_at = from_ms(r.int64(6));
  b.expires_at = from_ms(r.int64(7));
  b.deleted_at = opt_time(r, 8);
  b.raw_removed_at = opt_time(r, 9);
  b.objects_removed_at = opt_time(r, 10);
  return b;
}

template <class Row>
core::Asset map_asset(const Row& r) {
  core::Asset a;
  a.id = core::AssetId{r.int64(0)};
  a.batch_id = core::BatchId{r.int64(1)};
  a.declared.client_id = r.text(2);
  a.declared.media_type =
      core::parse_media_type(r.text(3)).value_or(core::MediaType::kPhotoHorizontal);
  a.declared.filename = r.text(4);
  a.declared.content_type = r.text(5);
  a.declared.bytes = r.int64(6);
  a.declared.checksum_sha256 = r.text(7);
  a.declared.title = r.text(8);
  a.declared.sequence = r.int64(9);
  a.status = core::parse_asset_status(r.text(10)).value_or(core::AssetStatus::kFailed);
  a.multipart_upload_id = r.opt_text(11);
  a.facts.width = opt_int32(r, 12);
  a.facts.height = opt_int32(r, 13);
  a.facts.duration_ms = r.opt_int64(14);
  a.facts.format = r.opt_text(15);
  a.facts.codec = r.opt_text(16);
  a.facts.rotation = opt_int32(r, 17);
  a.facts.hdr = r.int64(18) != 0;
  a.facts.has_audio = r.int64(19) != 0;
  if (auto code = r.opt_text(20)) {
    a.failure = core::AssetFailure{
        .code = core::parse_error_code(*code).value_or(core::ErrorCode::kInternal),
        .message = r.opt_text(21).value_or(""),
        .hint = r.opt_text(22).value_or(""),
        .traceparent = r.opt_text(26).value_or("")};
  }
  if (auto job = r.opt_int64(23)) a.job_id = core::JobId{*job};
  a.created_at = from_ms(r.int64(24));
  a.updated_at = from_ms(r.int64(25));
  return a;
}

template <class Row>
core::Rendition map_rendition(const Row& r) {
  core::Rendition out;
  out.asset_id = core::AssetId{r.int64(0)};
  out.job_id = core::JobId{r.int64(1)};
  out.name = r.text(2);
  out.format = r.text(3);
  out.width = r.int32(4);
  out.height = r.int32(5);
  out.bytes = r.int64(6);
  out.key = r.text(7);
  out.sha256_hex = r.text(8);
  return out;
}

template <class Row>
core::Job map_job(const Row& r) {
  core::Job j;
  j.id = core::JobId{r.int64(0)};
  j.batch_id = core::BatchId{r.int64(1)};
  j.run = r.int32(2);
  j.attempt = r.int32(3);
  j.status = core::parse_job_status(r.text(4)).value_or(core::JobStatus::kFailed);
  j.created_at = from_ms(r.int64(5));
  j.started_at = opt_time(r, 6);
  j.completed_at = opt_time(r, 7);
  j.lease_owner = r.opt_text(8);
  j.lease_expires_at = opt_time(r, 9);
  if (auto code = r.opt_text(10)) j.error_code = core::parse_error_code(*code);
  j.error_message = r.text(11);
  if (auto key = r.opt_text(12)) {
    j.archive = core::ArchiveInfo{*key, r.opt_int64(13).value_or(0), r.opt_text(14).value_or("")};
  }
  j.available_at = from_ms(r.int64(15));
  j.traceparent = r.text(16);
  return j;
}

template <class Row>
core::WorkItem map_work_item(const Row& r) {
  core::WorkItem w;
  w.job_id = core::JobId{r.int64(0)};
  w.asset_id = core::AssetId{r.int64(1)};
  w.heavy = r.int64(2) != 0;
  w.status = core::parse_work_item_status(r.text(3)).value_or(core::WorkItemStatus::kDone);
  w.attempt = r.int32(4);
  w.available_at = from_ms(r.int64(5));
  w.lease_owner = r.opt_text(6);
  w.lease_expires_at = opt_time(r, 7);
  w.claimed_at = opt_time(r, 8);
  w.done_at = opt_time(r, 9);
  w.error_message = r.text(10);
  w.created_at = from_ms(r.int64(11));
  return w;
}

template <class Row>
core::OutboxEvent map_event(const Row& r) {
  core::OutboxEvent e;
  e.id = r.int64(0);
  e.event_id = r.text(1);
  e.type = r.text(2);
  e.payload = r.text(3);
  e.created_at = from_ms(r.int64(4));
  e.next_attempt_at = from_ms(r.int64(5));
  e.attempts = r.int32(6);
  e.delivered_at = opt_time(r, 7);
  e.last_error = r.text(8);
  e.traceparent = r.text(9);
  return e;
}

template <class Row>
core::ExecutionStart map_execution_start(const Row& r) {
  core::ExecutionStart s;
  s.id = r.int64(0);
  s.job_id = core::JobId{r.int64(1)};
  s.name = r.text(2);
  s.input = r.text(3);
  s.created_at = from_ms(r.int64(4));
  s.next_attempt_at = from_ms(r.int64(5));
  s.attempts = r.int32(6);
  s.claimed_by = r.opt_text(7);
  s.claim_expires_at = opt_time(r, 8);
  s.started_at = opt_time(r, 9);
  s.execution_arn = r.text(10);
  s.last_error = r.text(11);
  return s;
}

template <class Row>
core::JobQueueStats map_queue_stats(const Row& r) {
  core::JobQueueStats s;
  s.queued = r.int64(0);
  s.running = r.int64(1);
  s.oldest_queued_at = opt_time(r, 2);
  s.oldest_active_at = opt_time(r, 3);
  return s;
}

template <class Row>
core::OutboxStats map_outbox_stats(const Row& r) {
  core::OutboxStats s;
  s.pending = r.int64(0);
  s.oldest_pending_at = opt_time(r, 1);
  return s;
}

}  // namespace toq::sql

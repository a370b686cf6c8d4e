#pragma once
// Asset: one declared file of a batch, with what the pipeline measured of it.

#include <cstdint>
#include <optional>
#include <string>

#include "core/model/error.hpp"
#include "core/model/ids.hpp"
#include "core/model/manifest.hpp"
#include "core/model/status.hpp"
#include "core/model/time.hpp"

namespace toq::core {

// Facts measured from the bytes (never from the declaration).
struct MediaFacts {
  std::optional<std::int32_t> width;
  std::optional<std::int32_t> height;
  std::optional<std::int64_t> duration_ms;
  std::optional<std::string> format;  // "jpeg", "heif", "mov,mp4", "pdf"...
  std::optional<std::string> codec;   // "h264", "hevc"...
  std::optional<std::int32_t> rotation;
  bool hdr = false;
  bool has_audio = false;
  friend bool operator==(const MediaFacts&, const MediaFacts&) = default;
};

// Why an asset failed: one of the contract's asset codes, in plain words, with a hint.
struct AssetFailure {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  std::string hint;
  // How the tool that found it ended, when a tool did. Reported with the outcome (the AWS mode's
  // result document); the repositories keep code, message and hint only (the message already
  // quotes the diagnostics for people).
  std::optional<ToolDiagnostics> tool = std::nullopt;
  // The traceparent of the job whose run failed ("" when none): finds the run's log lines.
  std::string traceparent{};
  friend bool operator==(const AssetFailure&, const AssetFailure&) = default;
};

struct Asset {
  AssetId id;
  BatchId batch_id;
  FileDeclaration declared;
  AssetStatus status = AssetStatus::kPendingUpload;
  std::optional<std::string> multipart_upload_id;  // set when uploaded in parts
  MediaFacts facts;
  std::optional<AssetFailure> failure;  // set exactly when status is FAILED
  std::optional<JobId> job_id;          // the job whose run produced the current result
  Timestamp created_at{};
  Timestamp updated_at{};
  friend bool operator==(const Asset&, const Asset&) = default;
};

}  // namespace toq::core

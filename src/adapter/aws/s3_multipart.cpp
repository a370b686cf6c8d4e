// S3ObjectStore's MultipartStore side: CreateMultipartUpload, UploadPart, ListParts,
// CompleteMultipartUpload and AbortMultipartUpload.

#include <algorithm>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "adapter/aws/s3_errors.hpp"
#include "adapter/aws/s3_object_store.hpp"
#include "support/io/byte_sources.hpp"

namespace toq::aws {

using core::ErrorCode;
using support::MemorySource;

Result<std::string> S3ObjectStore::create_multipart(std::string_view key,
                                                    const core::PutOptions& options) {
  if (auto valid = core::validate_object_key(key); !valid) return std::unexpected(valid.error());
  auto response = send(builder_.create_multipart(key, options), nullptr, std::nullopt, "", nullptr);
  if (!response) return std::unexpected(std::move(response.error()));
  const auto error = parse_s3_error(response->body);
  if (!ok_status(response->status) || error) {
    return std::unexpected(map_s3_error(response->status, error, "CreateMultipartUpload", key));
  }
  return parse_initiate_multipart(response->body);
}

Result<core::PartInfo> S3ObjectStore::upload_part(std::string_view key, std::string_view upload_id,
                                                  int part_number, core::ByteSource& source,
                                                  std::optional<std::int64_t> content_length) {
  if (auto valid = core::validate_object_key(key); !valid) return std::unexpected(valid.error());
  if (upload_id.empty()) return unknown_upload(key);
  if (!core::is_valid_part_number(part_number)) {
    return core::fail(ErrorCode::kInvalidRequest, fmt::format("part number {} is outside 1..{}",
                                                              part_number, core::kMaxPartNumber));
  }
  auto body = prepare_body(source, content_length);
  if (!body) return std::unexpected(std::move(body.error()));
  auto response = send(builder_.upload_part(key, upload_id, part_number), body->source,
                       body->length, body->payload_sha256, nullptr);
  if (!response) return std::unexpected(std::move(response.error()));
  if (!ok_status(response->status)) {
    return std::unexpected(
        map_s3_error(response->status, parse_s3_error(response->body), "UploadPart", key));
  }
  return core::PartInfo{.part_number = part_number,
                        .etag = response->header("ETag").value_or(""),
                        .size = body->length};
}

Result<std::vector<core::PartInfo>> S3ObjectStore::list_parts(std::string_view key,
                                                              std::string_view upload_id) {
  if (auto valid = core::validate_object_key(key); !valid) return std::unexpected(valid.error());
  if (upload_id.empty()) return unknown_upload(key);
  std::vector<core::PartInfo> parts;
  std::optional<int> marker;
  // Pages of up to 1000 parts; 10000 parts at most, so at most 10 pages (+1 guard).
  for (int page = 0; page < 12; ++page) {
    auto response =
        send(builder_.list_parts(key, upload_id, marker), nullptr, std::nullopt, "", nullptr);
    if (!response) return std::unexpected(std::move(response.error()));
    const auto error = parse_s3_error(response->body);
    if (!ok_status(response->status) || error) {
      return std::unexpected(map_s3_error(response->status, error, "ListParts", key));
    }
    auto parsed = parse_list_parts(response->body);
    if (!parsed) return std::unexpected(std::move(parsed.error()));
    parts.insert(parts.end(), parsed->parts.begin(), parsed->parts.end());
    if (!parsed->truncated) {
      std::ranges::sort(parts, {}, &core::PartInfo::part_number);
      return parts;
    }
    if (!parsed->next_marker || (marker && *parsed->next_marker <= *marker)) {
      return core::fail(ErrorCode::kStorageError,
                        fmt::format("S3 ListParts '{}': truncated without a usable marker", key));
    }
    marker = parsed->next_marker;
  }
  return core::fail(ErrorCode::kStorageError,
                    fmt::format("S3 ListParts '{}': more pages than 10000 parts allow", key));
}

Result<core::ObjectInfo> S3ObjectStore::complete_multipart(
    std::string_view key, std::string_view upload_id,
    const std::vector<core::CompletedPart>& parts) {
  if (auto valid = core::validate_object_key(key); !valid) return std::unexpected(valid.error());
  if (upload_id.empty()) return unknown_upload(key);
  // S3's own rules, checked before the round trip: at least one part, numbers strictly ascending.
  if (parts.empty()) {
    return core::fail(ErrorCode::kInvalidPart, "complete with no parts",
                      std::string{s3_public_message(ErrorCode::kInvalidPart)});
  }
  if (const auto i = core::first_misordered_part(parts)) {
    return core::fail(ErrorCode::kInvalidPart,
                      fmt::format("parts must be listed in strictly ascending order (InvalidPart"
                                  "Order): part {} at position {}",
                                  parts[*i].part_number, *i + 1),
                      std::string{s3_public_message(ErrorCode::kInvalidPart)});
  }
  MemorySource body{complete_multipart_xml(parts)};
  auto hash = support::sha256_hex(body.data());
  if (!hash) return std::unexpected(std::move(hash.error()));
  // Assembling a large upload takes minutes. S3 answers 200 at once and sends whitespace until
  // the result (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html);
  // an S3-compatible server may send nothing until it is done (s3rver: 131 s for 4.3 GiB). The
  // stall check would cut such a complete off and the retry would race the first one (s3rver
  // answered it 500 while the first went on to store the object), so neither limit applies here:
  // the task's own deadline (Lambda's timeout, the state machine's) bounds it.
  auto response =
      send(builder_.complete_multipart(key, upload_id), &body,
           static_cast<std::int64_t>(body.data().size()), *hash, nullptr, support::kNoTimeout);
  if (!response) return std::unexpected(std::move(response.error()));
  // S3 may answer 200 and put an <Error> in the body (the assembly failed after the headers went).
  const auto error = parse_s3_error(response->body);
  if (!ok_status(response->status) || error) {
    return std::unexpected(map_s3_error(response->status, error, "CompleteMultipartUpload", key));
  }
  auto completed = parse_complete_multipart(response->body);
  if (!completed) return std::unexpected(std::move(completed.error()));
  // The result names no size or content type: ask for them.
  auto head_info = head(key);
  if (!head_info) return std::unexpected(std::move(head_info.error()));
  if (!*head_info) {
    return core::fail(ErrorCode::kStorageError,
                      fmt::format("S3 completed '{}' but HEAD does not find it", key));
  }
  core::ObjectInfo info = std::move(**head_info);
  info.etag = completed->etag;
  return info;
}

Status S3ObjectStore::abort_multipart(std::string_view key, std::string_view upload_id) {
  if (auto valid = core::validate_object_key(key); !valid) return valid;
  if (upload_id.empty()) return unknown_upload(key);
  auto response =
      send(builder_.abort_multipart(key, upload_id), nullptr, std::nullopt, "", nullptr);
  if (!response) return std::unexpected(std::move(response.error()));
  if (!ok_status(response->status)) {
    return std::unexpected(map_s3_error(response->status, parse_s3_error(response->body),
                                        "AbortMultipartUpload", key));
  }
  return {};
}

}  // namespace toq::aws

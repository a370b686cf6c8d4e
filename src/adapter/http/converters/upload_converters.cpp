#include "adapter/http/converters/upload_converters.hpp"

#include <algorithm>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "core/model/status.hpp"
#include "core/model/time.hpp"

#include "adapter/http/converters/json_reader.hpp"
#include "support/json/json_writer.hpp"

namespace toq::http::converters {
namespace {

bool absent(const nlohmann::json& object, const char* key) {
  const auto it = object.find(key);
  return it == object.end() || it->is_null();
}

nlohmann::json single_json(const core::SingleUpload& upload) {
  auto headers = nlohmann::json::object();
  for (const auto& [name, value] : upload.headers) headers[name] = value;
  return {{"method", upload.method}, {"url", upload.url}, {"headers", std::move(headers)}};
}

nlohmann::json multipart_json(const core::MultipartUpload& multipart) {
  auto parts = nlohmann::json::array();
  for (const auto& p : multipart.parts) {
    parts.push_back({{"partNumber", p.part_number}, {"url", p.url}, {"bytes", p.bytes}});
  }
  return {{"uploadId", multipart.upload_id},
          {"partSizeBytes", multipart.part_size_bytes},
          {"partCount", multipart.part_count},
          {"parts", std::move(parts)}};
}

// single_json and multipart_json written as text, under the keys "upload" and "multipart".
void write_single(support::JsonWriter& w, const core::SingleUpload& upload) {
  // The tree keeps one value per header name, the last, in byte order of the names.
  std::vector<const std::pair<std::string, std::string>*> headers;
  headers.reserve(upload.headers.size());
  for (const auto& header : upload.headers) {
    const auto same = std::ranges::find_if(
        headers, [&](const auto* kept) { return kept->first == header.first; });
    if (same != headers.end()) {
      *same = &header;
    } else {
      headers.push_back(&header);
    }
  }
  std::ranges::sort(headers, {}, [](const auto* h) -> std::string_view { return h->first; });
  w.key("upload");
  w.begin_object();
  w.key("headers");
  w.begin_object();
  for (const auto* h : headers) w.string(h->first, h->second);
  w.end_object();
  w.string("method", upload.method);
  w.string("url", upload.url);
  w.end_object();
}

void write_multipart(support::JsonWriter& w, const core::MultipartUpload& multipart) {
  w.key("multipart");
  w.begin_object();
  w.integer("partCount", multipart.part_count);
  w.integer("partSizeBytes", multipart.part_size_bytes);
  w.key("parts");
  w.begin_array();
  for (const auto& p : multipart.parts) {
    w.begin_object();
    w.integer("bytes", p.bytes);
    w.integer("partNumber", p.part_number);
    w.string("url", p.url);
    w.end_object();
  }
  w.end_array();
  w.string("uploadId", multipart.upload_id);
  w.end_object();
}

// listingIdentityId and batchId, both required.
struct BatchIds {
  std::optional<std::int64_t> listing;
  std::optional<std::int64_t> batch;
};

BatchIds read_batch_ids(JsonReader& reader, const nlohmann::json& body) {
  BatchIds ids{reader.integer(body, "listingIdentityId", ""), reader.integer(body, "batchId", "")};
  return ids;
}

void require_batch_ids(JsonReader& reader, const BatchIds& ids) {
  if (!reader.ok()) return;
  if (!ids.listing) reader.add("listingIdentityId", "is required", "REQUIRED");
  if (!ids.batch) reader.add("batchId", "is required", "REQUIRED");
}

}  // namespace

core::Result<dto::CreateUploadRequest> parse_create_upload(const nlohmann::json& body) {
  JsonReader reader;
  dto::CreateUploadRequest out;
  out.listing_identity_id = reader.integer(body, "listingIdentityId", "");
  out.batch_reference = reader.string(body, "batchReference", "");
  if (const auto* files = reader.array(body, "files", "")) {
    for (std::size_t i = 0; i < files->size(); ++i) {
      const std::string path = fmt::format("files[{}]", i);
      const auto& f = (*files)[i];
      core::FileDeclarationInput file;
      if (reader.expect_object(f, path)) {
        file.client_id = reader.string(f, "clientId", path);
        file.media_type = reader.string(f, "mediaType", path);
        file.filename = reader.string(f, "filename", path);
        file.content_type = reader.string(f, "contentType", path);
        file.bytes = reader.integer(f, "bytes", path);
        file.checksum_sha256 = reader.string(f, "checksumSha256", path);
        file.title = reader.string(f, "title", path);
        file.sequence = reader.integer(f, "sequence", path);
      }
      out.files.push_back(std::move(file));
    }
  }
  if (!reader.ok()) return std::unexpected(reader.error(core::ErrorCode::kInvalidManifest));
  return out;
}

std::string create_upload_json(const core::CreateUploadBatchOutput& output) {
  std::string out;
  // A presigned PUT with its headers comes to about 700 bytes: one allocation for the answer.
  out.reserve(256 + 768 * output.files.size());
  support::JsonWriter w(out);
  // Keys in byte order, as nlohmann::json writes them.
  w.begin_object();
  w.integer("batchId", output.batch_id.value);
  w.string("expiresAt", core::format_rfc3339(output.expires_at));
  w.key("files");
  w.begin_array();
  for (const auto& f : output.files) {
    w.begin_object();
    w.integer("assetId", f.asset_id.value);
    w.string("clientId", f.client_id);
    if (f.multipart) write_multipart(w, *f.multipart);
    if (f.upload) write_single(w, *f.upload);
    w.end_object();
  }
  w.end_array();
  w.integer("listingIdentityId", output.listing_id.value);
  w.string("status", core::to_string(output.status));
  w.end_object();
  return out;
}

core::Result<dto::CompleteUploadRequest> parse_complete_upload(const nlohmann::json& body) {
  JsonReader reader;
  dto::CompleteUploadRequest out;
  const auto listing = reader.integer(body, "listingIdentityId", "");
  const auto batch = reader.integer(body, "batchId", "");
  if (const auto* files = reader.array(body, "files", "")) {
    for (std::size_t i = 0; i < files->size(); ++i) {
      const std::string path = fmt::format("files[{}]", i);
      const auto& f = (*files)[i];
      if (!reader.expect_object(f, path)) continue;
      dto::CompletedFileDto file;
      auto client_id = reader.string(f, "clientId", path);
      if (absent(f, "clientId")) {
        reader.add(field_path(path, "clientId"), "is required", "REQUIRED");
      }
      file.client_id = client_id.value_or("");
      const std::string parts_path = field_path(path, "parts");
      if (const auto* parts = reader.array(f, "parts", path)) {
        for (std::size_t j = 0; j < parts->size(); ++j) {
          const std::string part_path = fmt::format("{}[{}]", parts_path, j);
          const auto& p = (*parts)[j];
          if (!reader.expect_object(p, part_path)) continue;
          const auto number = reader.integer(p, "partNumber", part_path);
          const auto etag = reader.string(p, "etag", part_path);
          if (number && (*number < 1 || *number > 10000)) {
            reader.add(field_path(part_path, "partNumber"), "must be 1..10000", "OUT_OF_RANGE");
          }
          if (absent(p, "partNumber")) {
            reader.add(field_path(part_path, "partNumber"), "is required", "REQUIRED");
          }
          if (absent(p, "etag"))
            reader.add(field_path(part_path, "etag"), "is required", "REQUIRED");
          if (number && etag) {
            file.parts.push_back({static_cast<int>(*number), *etag});
          }
        }
      }
      out.files.push_back(std::move(file));
    }
  }
  if (reader.ok()) {
    if (!listing) reader.add("listingIdentityId", "is required", "REQUIRED");
    if (!batch) reader.add("batchId", "is required", "REQUIRED");
  }
  if (!reader.ok()) return std::unexpected(reader.error(core::ErrorCode::kInvalidRequest));
  out.listing_identity_id = *listing;
  out.batch_id = *batch;
  return out;
}

core::CompleteUploadBatchInput to_complete_input(const dto::CompleteUploadRequest& request,
                                                 const core::Principal& caller,
                                                 std::string_view traceparent) {
  core::CompleteUploadBatchInput in;
  in.caller = caller;
  in.traceparent = std::string(traceparent);
  in.listing_identity_id = request.listing_identity_id;
  in.batch_id = request.batch_id;
  for (const auto& f : request.files) {
    core::CompletedFile file;
    file.client_id = f.client_id;
    for (const auto& p : f.parts) file.parts.push_back({p.part_number, p.etag});
    in.files.push_back(std::move(file));
  }
  return in;
}

dto::CompleteUploadResponse to_complete_response(const core::CompleteUploadBatchOutput& output) {
  return {output.batch_id.value, output.job_id.value, std::string{core::to_string(output.status)},
          output.estimated_duration_seconds};
}

nlohmann::json to_json(const dto::CompleteUploadResponse& r) {
  return {{"batchId", r.batch_id},
          {"jobId", r.job_id},
          {"status", r.status},
          {"estimatedDurationSeconds", r.estimated_duration_seconds}};
}

core::Result<dto::RefreshUrlsRequest> parse_refresh_urls(const nlohmann::json& body) {
  JsonReader reader;
  const BatchIds ids = read_batch_ids(reader, body);
  dto::RefreshUrlsRequest out;
  if (const auto* client_ids = reader.array(body, "clientIds", "")) {
    out.client_ids.emplace();
    for (std::size_t i = 0; i < client_ids->size(); ++i) {
      const auto& id = (*client_ids)[i];
      if (id.is_string()) {
        out.client_ids->push_back(id.get<std::string>());
      } else {
        reader.add(fmt::format("clientIds[{}]", i), "expected a string");
      }
    }
  }
  if (const auto* numbers = reader.array(body, "partNumbers", "")) {
    for (std::size_t i = 0; i < numbers->size(); ++i) {
      const auto& n = (*numbers)[i];
      if (n.is_number_integer() && n.get<std::int64_t>() >= 1 &&
          n.get<std::int64_t>() <= core::kMaxPartNumber) {
        out.part_numbers.push_back(n.get<std::int64_t>());
      } else {
        reader.add(fmt::format("partNumbers[{}]", i),
                   fmt::format("expected a part number from 1 to {}", core::kMaxPartNumber));
      }
    }
  }
  require_batch_ids(reader, ids);
  if (!reader.ok()) return std::unexpected(reader.error(core::ErrorCode::kInvalidRequest));
  out.listing_identity_id = *ids.listing;
  out.batch_id = *ids.batch;
  return out;
}

core::RefreshUploadUrlsInput to_refresh_input(const dto::RefreshUrlsRequest& request,
                                              const core::Principal& caller) {
  return {caller, request.listing_identity_id, request.batch_id, request.client_ids,
          request.part_numbers};
}

nlohmann::json to_json(const core::RefreshUploadUrlsOutput& output) {
  auto files = nlohmann::json::array();
  for (const auto& f : output.files) {
    nlohmann::json file = {
        {"clientId", f.client_id}, {"assetId", f.asset_id.value}, {"uploaded", f.uploaded}};
    if (f.upload) file["upload"] = single_json(*f.upload);
    if (f.multipart) {
      file["multipart"] = multipart_json(*f.multipart);
      auto stored = nlohmann::json::array();
      for (const auto& p : f.uploaded_parts) {
        stored.push_back({{"partNumber", p.part_number}, {"etag", p.etag}, {"bytes", p.bytes}});
      }
      file["uploadedParts"] = std::move(stored);
    }
    files.push_back(std::move(file));
  }
  return {{"batchId", output.batch_id.value},
          {"listingIdentityId", output.listing_id.value},
          {"status", core::to_string(output.status)},
          {"expiresAt", core::format_rfc3339(output.expires_at)},
          {"files", std::move(files)}};
}

core::Result<dto::BatchRefRequest> parse_batch_ref(const nlohmann::json& body) {
  JsonReader reader;
  const BatchIds ids = read_batch_ids(reader, body);
  require_batch_ids(reader, ids);
  if (!reader.ok()) return std::unexpected(reader.error(core::ErrorCode::kInvalidRequest));
  return dto::BatchRefRequest{*ids.listing, *ids.batch};
}

core::Result<dto::RetryRequest> parse_retry(const nlohmann::json& body) {
  return parse_batch_ref(body);
}

core::RetryBatchInput to_retry_input(const dto::RetryRequest& request,
                                     const core::Principal& caller, std::string_view traceparent) {
  return {caller, request.listing_identity_id, request.batch_id, std::string(traceparent)};
}

dto::RetryResponse to_retry_response(const core::RetryBatchOutput& output) {
  return {output.batch_id.value, output.job_id.value, std::string{core::to_string(output.status)}};
}

nlohmann::json to_json(const dto::RetryResponse& r) {
  return {{"batchId", r.batch_id}, {"jobId", r.job_id}, {"status", r.status}};
}

core::Result<dto::CancelRequest> parse_cancel(const nlohmann::json& body) {
  return parse_batch_ref(body);
}

core::CancelUploadBatchInput to_cancel_input(const dto::CancelRequest& request,
                                             const core::Principal& caller,
                                             std::string_view traceparent) {
  return {caller, request.listing_identity_id, request.batch_id, std::string(traceparent)};
}

dto::CancelResponse to_cancel_response(const core::CancelUploadBatchOutput& output) {
  return {output.listing_id.value, output.batch_id.value,
          std::string{core::to_string(output.status)}};
}

nlohmann::json to_json(const dto::CancelResponse& r) {
  return {
      {"listingIdentityId", r.listing_identity_id}, {"batchId", r.batch_id}, {"status", r.status}};
}

}  // namespace toq::http::converters

// The UrlSigner side of the local store: what a presigned URL may bind is checked here; the
// signing itself is store_sigv4.hpp's.

#include <fmt/format.h>

#include "core/model/manifest.hpp"

#include "adapter/storage/local_object_store.hpp"
#include "adapter/storage/store_rules.hpp"
#include "support/uri.hpp"

namespace toq::storage {

using core::ErrorCode;

UrlToSign LocalObjectStore::route(std::string method, std::string_view key,
                                  std::chrono::seconds expires) const {
  UrlToSign url;
  url.method = std::move(method);
  url.path = std::string{kRoutePrefix} + support::uri_encode(key, support::Slash::kKeep);
  url.expires = expires;
  return url;
}

Result<core::PresignedRequest> LocalObjectStore::presign_put(std::string_view key,
                                                             const core::PresignPut& p) {
  return guarded("presign put", [&]() -> Result<core::PresignedRequest> {
    if (auto st = core::validate_object_key(key); !st) return std::unexpected(st.error());
    if (p.content_type.empty()) {
      return core::fail(ErrorCode::kInvalidRequest, "presign_put needs a content type");
    }
    if (auto st = check_content_type(p.content_type); !st) return std::unexpected(st.error());
    if (auto st = check_checksum(p.checksum_sha256); !st) return std::unexpected(st.error());
    if (p.content_length < 0 || p.content_length > kMaxPutSize) {
      return core::fail(ErrorCode::kInvalidRequest,
                        fmt::format("content length {} is outside 0..{} (larger files go in "
                                    "parts)",
                                    p.content_length, kMaxPutSize));
    }
    auto url = route("PUT", key, p.expires);
    url.headers = {{"Content-Type", p.content_type},
                   {"Content-Length", std::to_string(p.content_length)}};
    url.signed_headers = {"content-type", "content-length"};
    if (p.checksum_sha256) {
      url.headers.emplace_back("x-amz-checksum-sha256", *p.checksum_sha256);
      url.signed_headers.emplace_back("x-amz-checksum-sha256");
    }
    return sigv4_->presign(url);
  });
}

Result<core::PresignedRequest> LocalObjectStore::presign_upload_part(std::string_view key,
                                                                     const core::PresignPart& p) {
  return guarded("presign part", [&]() -> Result<core::PresignedRequest> {
    if (auto st = core::validate_object_key(key); !st) return std::unexpected(st.error());
    if (!is_valid_upload_id(p.upload_id)) {
      return core::fail(ErrorCode::kInvalidRequest,
                        fmt::format("upload id '{:.140}' is malformed", p.upload_id));
    }
    if (!core::is_valid_part_number(p.part_number)) {
      return core::fail(
          ErrorCode::kInvalidRequest,
          fmt::format("part number {} is outside 1..{}", p.part_number, core::kMaxPartNumber));
    }
    if (p.content_length && (*p.content_length < 0 || *p.content_length > kMaxPutSize)) {
      return core::fail(ErrorCode::kInvalidRequest, fmt::format("part length {} is outside 0..{}",
                                                                *p.content_length, kMaxPutSize));
    }
    auto url = route("PUT", key, p.expires);
    url.query = {{"partNumber", std::to_string(p.part_number)}, {"uploadId", p.upload_id}};
    if (p.content_length) {
      url.headers.emplace_back("Content-Length", std::to_string(*p.content_length));
      url.signed_headers.emplace_back("content-length");
    }
    return sigv4_->presign(url);
  });
}

Result<core::PresignedRequest> LocalObjectStore::presign_get(std::string_view key,
                                                             const core::PresignGet& p) {
  return guarded("presign get", [&]() -> Result<core::PresignedRequest> {
    if (auto st = core::validate_object_key(key); !st) return std::unexpected(st.error());
    if (!is_header_safe(p.response_content_disposition)) {
      return core::fail(ErrorCode::kInvalidRequest,
                        "response_content_disposition contains a control character");
    }
    auto url = route("GET", key, p.expires);
    if (!p.response_content_disposition.empty()) {
      url.query.emplace_back("response-content-disposition", p.response_content_disposition);
    }
    return sigv4_->presign(url);
  });
}

}  // namespace toq::storage

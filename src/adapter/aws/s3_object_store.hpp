#pragma once
// The S3 adapter of the object-store ports (ObjectStore, MultipartStore, UrlSigner), for Amazon S3
// or any S3-compatible endpoint. The contracts are the ports' (core/port/object_store.hpp);
// tests/conformance/s3_object_store_conformance_test.cpp runs the shared suite against it.
//
// Request bodies (put, upload_part) and how they are signed:
// - A body of at most small_body_limit bytes is read into memory first: its length is checked
//   before a byte is sent, its SHA-256 is the signed payload hash (S3 verifies it), and a transient
//   failure is retried.
// - A larger body from a ReplayableSource (a FileSource, say) is read once to hash it, rewound and
//   sent with that hash: signed and retried, at the cost of reading the file twice.
// - A larger one-shot stream with a known length is streamed as it is read, signed with
//   UNSIGNED-PAYLOAD (meant for https, where TLS protects the bytes; x-amz-checksum-sha256, when
//   given, still has S3 verify them), and sent once: it cannot be replayed. Its length is enforced
//   by the HTTP client, which aborts the request before the last byte when the stream disagrees.
// - A larger one-shot stream without a length is spooled to an unlinked temporary file while it is
//   hashed (S3 needs Content-Length), then sent like a file.
// Memory per request is therefore bounded by small_body_limit plus the HTTP client's buffers.
//
// Response bodies stream into the caller's sink. With a range, get() passes on at most the range's
// length (s3rver answers "bytes=0-0" with the whole object) and fails with STORAGE_ERROR when the
// server served from another offset; as after any failed get(), the sink's content is then
// undefined.
//
// Errors: S3's codes are mapped as core/model/error.hpp lists them (NoSuchKey -> OBJECT_NOT_FOUND,
// NoSuchUpload -> UPLOAD_NOT_FOUND, InvalidPart / InvalidPartOrder -> INVALID_PART, InvalidRange /
// 416 -> INVALID_RANGE, EntityTooSmall -> ENTITY_TOO_SMALL, AccessDenied / SignatureDoesNotMatch /
// InvalidAccessKeyId / ExpiredToken -> ACCESS_DENIED, BadDigest / XAmzContentSHA256Mismatch ->
// CHECKSUM_MISMATCH, 5xx after the HTTP client's retries -> STORE_UNAVAILABLE, NoSuchBucket ->
// CONFIG_INVALID, anything else -> STORAGE_ERROR). The message carries S3's code, message and
// request id for the operator.

#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/error.hpp"
#include "core/model/time.hpp"
#include "core/port/object_store.hpp"

#include "adapter/aws/credentials.hpp"
#include "adapter/aws/s3_errors.hpp"
#include "adapter/aws/s3_requests.hpp"
#include "adapter/aws/s3_xml.hpp"
#include "adapter/aws/sigv4.hpp"
#include "support/http/http_client.hpp"

namespace toq::aws {

struct S3StoreOptions {
  std::string bucket;
  std::string region = "us-east-1";
  std::string endpoint;     // empty: https://s3.{region}.amazonaws.com
  bool path_style = false;  // forced path-style (most S3-compatible servers want it)
  std::shared_ptr<CredentialsProvider> credentials;
  // Bodies up to this size are buffered (see the top of this file).
  std::size_t small_body_limit = 1U << 20U;
  std::filesystem::path spool_dir;  // for bodies of unknown length; empty: $TMPDIR or /tmp
  int delete_batch = 1000;          // keys per DeleteObjects request (S3's maximum)
};

class S3ObjectStore final : public core::ObjectStore,
                            public core::MultipartStore,
                            public core::UrlSigner {
 public:
  // CONFIG_INVALID for a missing bucket, region, credentials provider or HTTP client, or a bad
  // endpoint. The clock must outlive the store.
  static Result<std::unique_ptr<S3ObjectStore>> create(S3StoreOptions options,
                                                       std::shared_ptr<support::HttpClient> http,
                                                       const core::Clock& clock);

  // ObjectStore
  Result<core::ObjectInfo> put(std::string_view key, core::ByteSource& source,
                               const core::PutOptions& options) override;
  Result<core::ObjectInfo> get(std::string_view key, core::ByteSink& sink,
                               std::optional<core::ByteRange> range = std::nullopt) override;
  Result<std::optional<core::ObjectInfo>> head(std::string_view key) override;
  Status remove(const std::vector<std::string>& keys) override;

  // MultipartStore
  Result<std::string> create_multipart(std::string_view key,
                                       const core::PutOptions& options) override;
  Result<core::PartInfo> upload_part(std::string_view key, std::string_view upload_id,
                                     int part_number, core::ByteSource& source,
                                     std::optional<std::int64_t> content_length) override;
  Result<std::vector<core::PartInfo>> list_parts(std::string_view key,
                                                 std::string_view upload_id) override;
  Result<core::ObjectInfo> complete_multipart(
      std::string_view key, std::string_view upload_id,
      const std::vector<core::CompletedPart>& parts) override;
  Status abort_multipart(std::string_view key, std::string_view upload_id) override;

  // UrlSigner. presign_put signs Content-Type, Content-Length and x-amz-checksum-sha256 (when
  // given); presign_upload_part signs Content-Length when given; presign_get carries
  // response-content-disposition. URLs made with temporary credentials stop working when those
  // expire, whatever `expires` says.
  Result<core::PresignedRequest> presign_put(std::string_view key,
                                             const core::PresignPut& p) override;
  Result<core::PresignedRequest> presign_upload_part(std::string_view key,
                                                     const core::PresignPart& p) override;
  Result<core::PresignedRequest> presign_get(std::string_view key,
                                             const core::PresignGet& p) override;

  const S3RequestBuilder& requests() const { return builder_; }

 private:
  S3ObjectStore(S3StoreOptions options, S3RequestBuilder builder,
                std::shared_ptr<support::HttpClient> http, const core::Clock& clock);

  // A request body ready to send: its length known, its SHA-256 computed, replayable.
  struct PreparedBody {
    std::unique_ptr<core::ByteSource> owned;
    core::ByteSource* source = nullptr;
    std::int64_t length = 0;
    std::string payload_sha256;
  };
  Result<PreparedBody> prepare_body(core::ByteSource& source,
                                    std::optional<std::int64_t> declared_length);
  Result<std::shared_ptr<const SigV4Signer>> signer();
  // Signs and sends; the body's payload hash goes into x-amz-content-sha256.
  // `timeout`: the exchange's limit (unset: the HTTP client's; support::kNoTimeout: none).
  Result<support::HttpResponse> send(RequestToSign request, core::ByteSource* body,
                                     std::optional<std::int64_t> length, std::string payload_sha256,
                                     core::ByteSink* sink,
                                     std::optional<std::chrono::milliseconds> timeout = {});
  Result<core::PresignedRequest> presign(const RequestToSign& request,
                                         const std::vector<std::string>& signed_headers,
                                         std::chrono::seconds expires);

  S3StoreOptions options_;
  S3RequestBuilder builder_;
  std::shared_ptr<support::HttpClient> http_;
  const core::Clock* clock_;
  SignerForCredentials signer_;
};

}  // namespace toq::aws

// The S3 adapter against scripted S3 answers on loopback: what s3rver cannot show. S3's error
// codes mapped to the port's, errors inside 200 responses, DeleteObjects batches with their
// integrity headers, the payload hash of each body kind, retries of replayable bodies only, range
// answers that disagree with the request, ListParts pagination, credential rotation, and presigned
// URLs checked by the embedded store's SigV4 verifier (itself proven against botocore).

#include "adapter/aws/s3_object_store.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include "core/model/time.hpp"

#include "adapter/aws/sigv4_verify.hpp"
#include "aws_test_support.hpp"
#include "support/hex.hpp"
#include "support/http/curl_http_client.hpp"
#include "support/io/byte_sources.hpp"
#include "support/manual_clock.hpp"
#include "support/scripted_http_server.hpp"

namespace toq::aws {
namespace {

using core::ErrorCode;
using support::BufferSink;
using support::MemorySource;
using support::parse_query;
using testing::ManualClock;
using testing::OneShotSource;
using testing::ReceivedRequest;
using testing::ScriptedHttpServer;
using testing::ScriptedResponse;

std::string s3_error(std::string_view code) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + std::string{code} +
         "</Code><Message>scripted " + std::string{code} +
         "</Message><RequestId>REQ123</RequestId></Error>";
}

std::string digest(const EVP_MD* md, std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), out.data(), &n, md, nullptr);
  return std::string(reinterpret_cast<const char*>(out.data()), n);
}
std::string hex(std::string_view bytes) {
  return support::hex_lower(
      std::span{reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size()});
}

// Credentials that change on every call, as a rotating provider would.
class RotatingProvider final : public CredentialsProvider {
 public:
  Result<Credentials> get() override {
    ++calls;
    return Credentials{"AKIDROT" + std::to_string(calls.load()), "secret", std::nullopt};
  }
  std::string_view name() const override { return "rotating"; }
  std::atomic<int> calls{0};
};

struct Harness {
  explicit Harness(ScriptedHttpServer::Handler handler,
                   std::shared_ptr<CredentialsProvider> credentials = nullptr)
      : server(std::move(handler)), clock(*core::parse_rfc3339("2026-11-26T12:00:00Z")) {
    support::HttpClientOptions t;
    t.retry.max_attempts = 4;
    t.retry.base_delay = std::chrono::milliseconds{1};
    t.retry.max_delay = std::chrono::milliseconds{2};
    http = std::make_shared<support::CurlHttpClient>(t);
    S3StoreOptions options;
    options.bucket = "toq-test";
    options.region = "sa-east-1";
    options.endpoint = server.base_url();
    options.path_style = true;
    options.credentials = credentials ? credentials
                                      : std::make_shared<StaticCredentialsProvider>(Credentials{
                                            "AKIDTEST", "test-secret", "session-token"});
    options.small_body_limit = 64 * 1024;
    auto made = S3ObjectStore::create(options, http, clock);
    if (!made) throw std::runtime_error(made.error().message);
    store = std::move(*made);
  }
  ScriptedHttpServer server;
  ManualClock clock;
  std::shared_ptr<support::CurlHttpClient> http;
  std::unique_ptr<S3ObjectStore> store;
};

// ---------------------------------------------------------------------------- error mapping

struct MappingCase {
  const char* call;
  int status;
  const char* code;  // "" = no body
  ErrorCode expected;
};

TEST(S3ObjectStore, MapsS3ErrorCodesToPortErrors) {
  const std::vector<MappingCase> cases = {
      {"get", 404, "NoSuchKey", ErrorCode::kObjectNotFound},
      {"get", 416, "InvalidRange", ErrorCode::kInvalidRange},
      {"get", 416, "", ErrorCode::kInvalidRange},
      {"get", 403, "AccessDenied", ErrorCode::kAccessDenied},
      {"get", 403, "SignatureDoesNotMatch", ErrorCode::kAccessDenied},
      {"get", 403, "InvalidAccessKeyId", ErrorCode::kAccessDenied},
      {"get", 400, "ExpiredToken", ErrorCode::kAccessDenied},
      {"get", 404, "NoSuchBucket", ErrorCode::kConfigInvalid},
      {"get", 503, "SlowDown", ErrorCode::kStoreUnavailable},
      {"get", 500, "InternalError", ErrorCode::kStoreUnavailable},
      {"get", 502, "", ErrorCode::kStoreUnavailable},
      {"get", 405, "MethodNotAllowed", ErrorCode::kStorageError},
      {"put", 400, "BadDigest", ErrorCode::kChecksumMismatch},
      {"put", 400, "XAmzContentSHA256Mismatch", ErrorCode::kChecksumMismatch},
      {"put", 400, "IncompleteBody", ErrorCode::kInvalidRequest},
      {"head", 403, "", ErrorCode::kAccessDenied},
      {"part", 404, "NoSuchUpload", ErrorCode::kUploadNotFound},
      {"complete", 400, "InvalidPart", ErrorCode::kInvalidPart},
      {"complete", 400, "InvalidPartOrder", ErrorCode::kInvalidPart},
      {"complete", 400, "EntityTooSmall", ErrorCode::kEntityTooSmall},
      {"complete", 404, "NoSuchUpload", ErrorCode::kUploadNotFound},
      {"list", 404, "NoSuchUpload", ErrorCode::kUploadNotFound},
      {"abort", 404, "NoSuchUpload", ErrorCode::kUploadNotFound},
      {"create", 403, "AccessDenied", ErrorCode::kAccessDenied},
  };
  for (const auto& c : cases) {
    Harness h{[&](const ReceivedRequest&) {
      return ScriptedResponse{.status = c.status,
                              .body = std::string{c.code}.empty() ? "" : s3_error(c.code)};
    }};
    const std::string call = c.call;
    std::optional<core::Error> error;
    const auto take = [&](auto result) {
      if (!result) error = result.error();
    };
    BufferSink sink;
    MemorySource body{"body"};
    if (call == "get") take(h.store->get("k", sink));
    if (call == "put") take(h.store->put("k", body, {}));
    if (call == "head") take(h.store->head("k"));
    if (call == "part") take(h.store->upload_part("k", "id", 1, body, 4));
    if (call == "complete") take(h.store->complete_multipart("k", "id", {{1, "\"e\""}}));
    if (call == "list") take(h.store->list_parts("k", "id"));
    if (call == "abort") take(h.store->abort_multipart("k", "id"));
    if (call == "create") take(h.store->create_multipart("k", {}));
    ASSERT_TRUE(error) << call << " " << c.code << " succeeded";
    EXPECT_EQ(error->code, c.expected)
        << call << " " << c.status << " " << c.code << ": got " << core::to_string(error->code)
        << " (" << error->message << ")";
    if (!std::string{c.code}.empty()) {
      EXPECT_NE(error->message.find(c.code), std::string::npos) << error->message;
      EXPECT_NE(error->message.find("REQ123"), std::string::npos) << "request id for operators";
    }
    const bool transient = c.status >= 500;
    EXPECT_EQ(h.server.request_count(), transient ? 4U : 1U) << call << " " << c.code;
  }
}

TEST(S3ObjectStore, HeadOfAMissingKeyIsNullopt) {
  Harness h{[](const ReceivedRequest&) { return ScriptedResponse{.status = 404}; }};
  auto head = h.store->head("missing");
  ASSERT_TRUE(head) << head.error().message;
  EXPECT_FALSE(head->has_value());
}

TEST(S3ObjectStore, AnErrorInsideA200CompleteIsAnError) {
  for (const auto& [code, expected] : {std::pair{"InternalError", ErrorCode::kStoreUnavailable},
                                       std::pair{"InvalidPart", ErrorCode::kInvalidPart}}) {
    Harness h{[&](const ReceivedRequest&) {
      return ScriptedResponse{.status = 200, .body = s3_error(code)};
    }};
    auto done = h.store->complete_multipart("k", "id", {{1, "\"e\""}});
    ASSERT_FALSE(done) << code;
    EXPECT_EQ(done.error().code, expected) << code;
  }
}

TEST(S3ObjectStore, CompleteReturnsTheEtagOfCompleteAndTheFactsOfHead) {
  Harness h{[](const ReceivedRequest& r) {
    if (r.method == "POST") {
      return ScriptedResponse{.status = 200,
                              .body =
                                  "<CompleteMultipartUploadResult><ETag>\"abc-2\"</ETag>"
                                  "</CompleteMultipartUploadResult>"};
    }
    return ScriptedResponse{.status = 200,
                            .headers = {{"Content-Length", "5243904"},
                                        {"Content-Type", "video/mp4"},
                                        {"ETag", "\"abc-2\""},
                                        {"Last-Modified", "Thu, 26 Nov 2026 12:00:05 GMT"}}};
  }};
  auto done = h.store->complete_multipart("videos/v.mp4", "up id", {{1, "a"}, {2, "\"b\""}});
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_EQ(done->etag, "\"abc-2\"");
  EXPECT_EQ(done->size, 5243904);
  EXPECT_EQ(done->content_type, "video/mp4");
  EXPECT_EQ(done->last_modified, *core::parse_rfc3339("2026-11-26T12:00:05Z"));
  const auto requests = h.server.requests();
  ASSERT_EQ(requests.size(), 2U);
  EXPECT_EQ(requests[0].target, "/toq-test/videos/v.mp4?uploadId=up%20id");
  EXPECT_NE(requests[0].body.find("<ETag>&quot;a&quot;</ETag>"), std::string::npos);
  EXPECT_EQ(requests[1].method, "HEAD");
}

// ---------------------------------------------------------------------------- DeleteObjects

TEST(S3ObjectStore, RemoveSendsBatchesOfAThousandWithIntegrityHeaders) {
  Harness h{[](const ReceivedRequest&) {
    return ScriptedResponse{
        .status = 200,
        .body = "<DeleteResult><Error><Key>x</Key><Code>NoSuchKey</Code></Error></DeleteResult>"};
  }};
  std::vector<std::string> keys;
  for (int i = 0; i < 2500; ++i) keys.push_back("listings/1/out/" + std::to_string(i) + "&<.jpg");
  auto removed = h.store->remove(keys);
  ASSERT_TRUE(removed) << removed.error().message;
  const auto requests = h.server.requests();
  ASSERT_EQ(requests.size(), 3U);
  const std::array<std::size_t, 3> sizes = {1000, 1000, 500};
  for (std::size_t i = 0; i < 3; ++i) {
    const auto& r = requests[i];
    EXPECT_EQ(r.method, "POST");
    EXPECT_EQ(r.target, "/toq-test/?delete=");
    std::size_t objects = 0;
    for (auto pos = r.body.find("<Object>"); pos != std::string::npos;
         pos = r.body.find("<Object>", pos + 1)) {
      ++objects;
    }
    EXPECT_EQ(objects, sizes[i]);
    EXPECT_NE(r.body.find("<Quiet>true</Quiet>"), std::string::npos);
    EXPECT_NE(r.body.find("&amp;&lt;.jpg"), std::string::npos) << "keys are escaped";
    // S3 requires Content-MD5 (or a checksum) on DeleteObjects; check it independently.
    unsigned char b64[64] = {};
    const std::string md5 = digest(EVP_md5(), r.body);
    EVP_EncodeBlock(b64, reinterpret_cast<const unsigned char*>(md5.data()), 16);
    EXPECT_EQ(r.header("Content-MD5"), std::string(reinterpret_cast<char*>(b64)));
    EXPECT_EQ(r.header("x-amz-content-sha256"), hex(digest(EVP_sha256(), r.body)));
  }
}

TEST(S3ObjectStore, RemoveReportsKeysS3CouldNotDelete) {
  Harness h{[](const ReceivedRequest&) {
    return ScriptedResponse{
        .status = 200,
        .body =
            "<DeleteResult><Error><Key>k2</Key><Code>AccessDenied</Code><Message>no"
            "</Message></Error></DeleteResult>"};
  }};
  auto removed = h.store->remove({"k1", "k2"});
  ASSERT_FALSE(removed);
  EXPECT_EQ(removed.error().code, ErrorCode::kAccessDenied);
  EXPECT_NE(removed.error().message.find("k2"), std::string::npos);
  EXPECT_TRUE(h.store->remove({}));
  EXPECT_EQ(h.server.request_count(), 1U) << "nothing to remove, nothing sent";
}

// ---------------------------------------------------------------------------- request bodies

struct Seen {
  std::string payload_hash;
  std::string content_length;
  std::string authorization;
  std::size_t body_size = 0;
};

Seen put_and_see(Harness& h, core::ByteSource& source, std::optional<std::int64_t> length) {
  auto put = h.store->put("obj", source, {"image/jpeg", length, "Y2hlY2tzdW0="});
  EXPECT_TRUE(put) << put.error().message;
  const auto r = h.server.requests().back();
  return Seen{r.header("x-amz-content-sha256").value_or(""),
              r.header("Content-Length").value_or(""), r.header("Authorization").value_or(""),
              r.body.size()};
}

TEST(S3ObjectStore, PayloadHashFollowsTheKindOfBody) {
  Harness h{[](const ReceivedRequest&) {
    return ScriptedResponse{.status = 200, .headers = {{"ETag", "\"e\""}}};
  }};
  const std::string small(1000, 's');
  const std::string large(200 * 1024, 'L');  // above the harness's 64 KiB small-body limit

  OneShotSource small_source{small};
  auto seen = put_and_see(h, small_source, 1000);
  EXPECT_EQ(seen.payload_hash, hex(digest(EVP_sha256(), small))) << "small: buffered and signed";

  OneShotSource streamed{large};
  seen = put_and_see(h, streamed, static_cast<std::int64_t>(large.size()));
  EXPECT_EQ(seen.payload_hash, "UNSIGNED-PAYLOAD") << "large one-shot: streamed unsigned";
  EXPECT_EQ(seen.body_size, large.size());

  OneShotSource unknown{large};
  seen = put_and_see(h, unknown, std::nullopt);
  EXPECT_EQ(seen.payload_hash, hex(digest(EVP_sha256(), large))) << "unknown length: spooled";
  EXPECT_EQ(seen.content_length, std::to_string(large.size()));

  MemorySource replayable{large};
  seen = put_and_see(h, replayable, std::nullopt);
  EXPECT_EQ(seen.payload_hash, hex(digest(EVP_sha256(), large))) << "replayable: hashed first";

  // Header auth signs the content type, the checksum, the payload hash and the session token.
  EXPECT_NE(seen.authorization.find("Credential=AKIDTEST/20261126/sa-east-1/s3/aws4_request"),
            std::string::npos)
      << seen.authorization;
  EXPECT_NE(seen.authorization.find("SignedHeaders=content-type;host;x-amz-checksum-sha256;"
                                    "x-amz-content-sha256;x-amz-date;x-amz-security-token"),
            std::string::npos)
      << seen.authorization;
  EXPECT_EQ(h.server.requests().back().header("x-amz-security-token"), "session-token");
  EXPECT_EQ(h.server.requests().back().header("x-amz-checksum-sha256"), "Y2hlY2tzdW0=");
}

TEST(S3ObjectStore, SmallBodiesAreRetriedOnSlowDownLargeStreamsAreNot) {
  std::atomic<int> calls{0};
  Harness h{[&](const ReceivedRequest&) {
    // Every odd request is throttled.
    if (++calls % 2 == 1) return ScriptedResponse{.status = 503, .body = s3_error("SlowDown")};
    return ScriptedResponse{.status = 200, .headers = {{"ETag", "\"e\""}}};
  }};
  OneShotSource small{"small body"};
  ASSERT_TRUE(h.store->put("a", small, {}));
  auto requests = h.server.requests();
  ASSERT_EQ(requests.size(), 2U);
  EXPECT_EQ(requests[0].body, "small body");
  EXPECT_EQ(requests[1].body, "small body") << "the buffered body was sent again, whole";

  OneShotSource large{std::string(100 * 1024, 'x')};
  auto put = h.store->put("b", large, {"", 100 * 1024, std::nullopt});
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().code, ErrorCode::kStoreUnavailable);
  EXPECT_EQ(h.server.request_count(), 3U) << "a one-shot stream is sent once";
}

TEST(S3ObjectStore, LengthMismatchesOfSmallBodiesAreRefusedBeforeSending) {
  Harness h{[](const ReceivedRequest&) { return ScriptedResponse{.status = 200}; }};
  for (const std::int64_t declared : {9, 11, 1'000'000}) {
    OneShotSource body{"0123456789"};
    auto put = h.store->put("k", body, {"", declared, std::nullopt});
    ASSERT_FALSE(put);
    EXPECT_EQ(put.error().code, ErrorCode::kInvalidRequest);
  }
  EXPECT_EQ(h.server.request_count(), 0U);
}

// ---------------------------------------------------------------------------- ranges

TEST(S3ObjectStore, AServerThatOverservesARangeCannotHandTheCallerMore) {
  const std::string data(10'000, 'r');
  Harness h{[&](const ReceivedRequest&) {
    // What s3rver does for bytes=0-0: the whole object as a 206.
    return ScriptedResponse{
        .status = 206, .headers = {{"Content-Range", "bytes 0-9999/10000"}}, .body = data};
  }};
  BufferSink sink;
  auto info = h.store->get("k", sink, core::ByteRange{0, 0});
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(sink.bytes, "r");
  EXPECT_EQ(info->size, 10'000);
  EXPECT_EQ(h.server.requests().at(0).header("Range"), "bytes=0-0");
}

TEST(S3ObjectStore, ARangeServedFromTheWrongOffsetIsAnError) {
  Harness h{[](const ReceivedRequest&) {
    return ScriptedResponse{
        .status = 206, .headers = {{"Content-Range", "bytes 0-9/100"}}, .body = "0123456789"};
  }};
  BufferSink sink;
  auto info = h.store->get("k", sink, core::ByteRange{50, 59});
  ASSERT_FALSE(info);
  EXPECT_EQ(info.error().code, ErrorCode::kStorageError);
  EXPECT_TRUE(h.store->get("k", sink, core::ByteRange{5, 4}).error().code ==
              ErrorCode::kInvalidRange)
      << "last before first is refused locally";
}

// ---------------------------------------------------------------------------- ListParts

TEST(S3ObjectStore, ListPartsFollowsPages) {
  Harness h{[](const ReceivedRequest& r) {
    if (r.query().find("part-number-marker=2") == std::string::npos) {
      return ScriptedResponse{
          .status = 200,
          .body =
              "<ListPartsResult><IsTruncated>true</IsTruncated>"
              "<NextPartNumberMarker>2</NextPartNumberMarker>"
              "<Part><PartNumber>1</PartNumber><ETag>\"a\"</ETag><Size>5</Size></Part>"
              "<Part><PartNumber>2</PartNumber><ETag>\"b\"</ETag><Size>6</Size></Part>"
              "</ListPartsResult>"};
    }
    return ScriptedResponse{
        .status = 200,
        .body =
            "<ListPartsResult><IsTruncated>false</IsTruncated>"
            "<Part><PartNumber>3</PartNumber><ETag>\"c\"</ETag><Size>7</Size></Part>"
            "</ListPartsResult>"};
  }};
  auto parts = h.store->list_parts("k", "id");
  ASSERT_TRUE(parts) << parts.error().message;
  ASSERT_EQ(parts->size(), 3U);
  EXPECT_EQ((*parts)[2].part_number, 3);
  EXPECT_EQ((*parts)[2].etag, "\"c\"");
  EXPECT_EQ((*parts)[1].size, 6);
  EXPECT_EQ(h.server.request_count(), 2U);
}

// ---------------------------------------------------------------------------- credentials

TEST(S3ObjectStore, NewCredentialsFromTheProviderAreUsedForTheNextRequest) {
  auto provider = std::make_shared<RotatingProvider>();
  Harness h{[](const ReceivedRequest&) { return ScriptedResponse{.status = 404}; }, provider};
  ASSERT_TRUE(h.store->head("a"));
  ASSERT_TRUE(h.store->head("b"));
  const auto requests = h.server.requests();
  EXPECT_NE(requests[0].header("Authorization")->find("Credential=AKIDROT1/"), std::string::npos);
  EXPECT_NE(requests[1].header("Authorization")->find("Credential=AKIDROT2/"), std::string::npos);
}

TEST(S3ObjectStore, MissingCredentialsFailBeforeAnyRequest) {
  Harness h{[](const ReceivedRequest&) { return ScriptedResponse{.status = 200}; },
            std::make_shared<StaticCredentialsProvider>(Credentials{})};
  auto head = h.store->head("k");
  ASSERT_FALSE(head);
  EXPECT_EQ(head.error().code, ErrorCode::kConfigInvalid);
  EXPECT_EQ(h.server.request_count(), 0U);
}

// ---------------------------------------------------------------------------- presigned URLs

IncomingRequest incoming(const core::PresignedRequest& p,
                         std::vector<std::pair<std::string, std::string>> headers) {
  IncomingRequest in;
  in.method = p.method;
  const auto rest = p.url.substr(p.url.find("://") + 3);
  in.host = rest.substr(0, rest.find('/'));
  const auto path_and_query = rest.substr(rest.find('/'));
  in.raw_path = path_and_query.substr(0, path_and_query.find('?'));
  in.raw_query = path_and_query.substr(path_and_query.find('?') + 1);
  in.headers = std::move(headers);
  return in;
}

std::optional<Credentials> lookup(std::string_view id) {
  if (id != "AKIDTEST") return std::nullopt;
  return Credentials{"AKIDTEST", "test-secret", "session-token"};
}

TEST(S3ObjectStore, PresignedPutBindsTypeLengthAndChecksum) {
  Harness h{[](const ReceivedRequest&) { return ScriptedResponse{}; }};
  core::PresignPut p;
  p.content_type = "image/heic";
  p.content_length = 4'000'000;
  p.checksum_sha256 = "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=";
  p.expires = std::chrono::seconds{900};
  auto url = h.store->presign_put("listings/1/batches/2/raw/3", p);
  ASSERT_TRUE(url) << url.error().message;
  EXPECT_EQ(url->method, "PUT");
  EXPECT_EQ(url->expires_at, h.clock.now() + std::chrono::seconds{900});
  EXPECT_TRUE(url->url.starts_with(h.server.base_url() + "/toq-test/listings/1/batches/2/raw/3?"));
  const VerifyConfig config{
      .region = "sa-east-1", .service = "s3", .max_clock_skew = {}, .path_rules = std::nullopt};
  auto ok = verify_presigned(incoming(*url, url->headers), config, lookup, h.clock);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, VerifyStatus::kOk) << ok->detail;
  // A client that changes any signed header is refused.
  for (const auto& [name, value] : url->headers) {
    auto tampered = url->headers;
    for (auto& header : tampered) {
      if (header.first == name) header.second = value + "0";
    }
    auto verdict = verify_presigned(incoming(*url, tampered), config, lookup, h.clock);
    ASSERT_TRUE(verdict);
    EXPECT_EQ(verdict->status, VerifyStatus::kSignatureMismatch) << name;
  }
  EXPECT_EQ(h.server.request_count(), 0U) << "presigning is offline";
}

TEST(S3ObjectStore, PresignedUploadPartAndGetCarryTheirParameters) {
  Harness h{[](const ReceivedRequest&) { return ScriptedResponse{}; }};
  core::PresignPart part;
  part.upload_id = "2~abc/def+ghi";
  part.part_number = 42;
  part.content_length = 5 * 1024 * 1024;
  auto u = h.store->presign_upload_part("k", part);
  ASSERT_TRUE(u);
  const Params q = parse_query(u->url.substr(u->url.find('?') + 1));
  EXPECT_NE(std::ranges::find(q, std::pair<std::string, std::string>{"uploadId", "2~abc/def+ghi"}),
            q.end());
  EXPECT_NE(std::ranges::find(q, std::pair<std::string, std::string>{"partNumber", "42"}), q.end());
  const VerifyConfig config{
      .region = "sa-east-1", .service = "s3", .max_clock_skew = {}, .path_rules = std::nullopt};
  EXPECT_EQ(verify_presigned(incoming(*u, u->headers), config, lookup, h.clock)->status,
            VerifyStatus::kOk);

  core::PresignGet g;
  g.response_content_disposition = "attachment; filename=\"Sala de estar – 01.jpg\"";
  auto get = h.store->presign_get("k", g);
  ASSERT_TRUE(get);
  const Params gq = parse_query(get->url.substr(get->url.find('?') + 1));
  EXPECT_NE(
      std::ranges::find(gq, std::pair<std::string, std::string>{"response-content-disposition",
                                                                g.response_content_disposition}),
      gq.end());
  EXPECT_EQ(verify_presigned(incoming(*get, {}), config, lookup, h.clock)->status,
            VerifyStatus::kOk);
}

TEST(S3ObjectStore, PresignRefusesBadKeysAndExpiries) {
  Harness h{[](const ReceivedRequest&) { return ScriptedResponse{}; }};
  EXPECT_EQ(h.store->presign_get("../escape", {}).error().code, ErrorCode::kInvalidRequest);
  core::PresignGet week_and_a_second;
  week_and_a_second.expires = std::chrono::seconds{604801};
  EXPECT_EQ(h.store->presign_get("k", week_and_a_second).error().code, ErrorCode::kInvalidRequest);
  core::PresignPart no_upload;
  no_upload.part_number = 1;
  EXPECT_EQ(h.store->presign_upload_part("k", no_upload).error().code, ErrorCode::kUploadNotFound);
}

}  // namespace
}  // namespace toq::aws

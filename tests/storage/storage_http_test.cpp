// The embedded store over real HTTP: the server (http_server.hpp) runs in-process on an ephemeral
// port with the storage routes mounted, and libcurl plays the browser with presigned URLs from the
// store's UrlSigner. Every refusal must carry S3's status and error code and leave nothing stored
// (no object, no temp file); the right request must succeed.

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "adapter/aws/s3_requests.hpp"
#include "adapter/http/http_server.hpp"
#include "adapter/http/storage_routes.hpp"
#include "adapter/storage/content_disposition.hpp"
#include "adapter/storage/storage_request_handler.hpp"
#include "conformance/object_store_conformance.hpp"
#include "http/http_client.hpp"
#include "storage/http_client.hpp"
#include "storage/storage_test_support.hpp"
#include "support/result_matchers.hpp"

namespace toq::testing {
// This binary uses the conformance suite's helpers, not the suite.
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(ObjectStoreConformance);
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kOrigin = "https://app.toq.example";

class StorageHttp : public ::testing::Test {
 protected:
  // A short read timeout: the truncated-body test waits for it.
  virtual http::ServerOptions server_options() const { return {.read_timeout = 2s}; }

  void SetUp() override {
    server_ = std::make_unique<http::HttpServer>(server_options());
    port_ = must(server_->bind(), "bind");
    base_url_ = "http://127.0.0.1:" + std::to_string(port_);
    store_ = open_local_store(dir_ / "store", base_url_, clock_, 64 * 1024);
    storage::StorageHandlerConfig config;
    config.allowed_origins = {std::string{kOrigin}};
    handler_ = std::make_unique<storage::StorageRequestHandler>(*store_, config);
    http::mount_storage_routes(*server_, *handler_);
    must(server_->start(), "start");
  }
  void TearDown() override { server_->stop(); }

  core::PresignedRequest presign_put(const std::string& key, const std::string& body,
                                     bool with_checksum = true,
                                     const std::string& content_type = "image/jpeg",
                                     std::chrono::seconds expires = 600s) {
    core::PresignPut p;
    p.content_type = content_type;
    p.content_length = static_cast<std::int64_t>(body.size());
    if (with_checksum) p.checksum_sha256 = sha256_base64(body);
    p.expires = expires;
    return must(store_->presign_put(key, p), "presign put");
  }

  // Sends a presigned request as given: its method, URL and headers, with `body`.
  HttpResult send(const core::PresignedRequest& r, std::optional<std::string> body = std::nullopt,
                  std::vector<std::pair<std::string, std::string>> extra = {}) {
    HttpCall call;
    call.method = r.method;
    call.url = r.url;
    call.headers = r.headers;
    for (auto& h : extra) call.headers.push_back(std::move(h));
    call.body = std::move(body);
    return http(call);
  }

  // What a refusal must leave: no object at `key`, and no temp file anywhere.
  void expect_nothing_stored(const std::string& key) {
    EXPECT_FALSE(must(store_->head(key), "head").has_value()) << key << " was stored";
    EXPECT_TRUE(files_under(store_->temp_dir()).empty()) << "a temp file was left behind";
  }

  static void expect_s3_error(const HttpResult& r, long status, std::string_view code) {
    EXPECT_EQ(r.code, CURLE_OK) << curl_easy_strerror(r.code);
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(xml_element(r.body, "Code"), code) << r.body;
    EXPECT_EQ(r.header("content-type"), "application/xml");
    EXPECT_FALSE(xml_element(r.body, "RequestId").empty());
  }

  TempDir dir_;
  ManualClock clock_{pinned_now()};
  std::unique_ptr<http::HttpServer> server_;
  int port_ = 0;
  std::string base_url_;
  std::unique_ptr<storage::LocalObjectStore> store_;
  std::unique_ptr<storage::StorageRequestHandler> handler_;
};

// ------------------------------------------------------------------------------ the right PUT

TEST_F(StorageHttp, PresignedPutStoresTheObjectAndGetReturnsIt) {
  const std::string key = "listings/28/batches/51/raw/301";
  const std::string body = test_bytes(200'000, 7);
  const auto url = presign_put(key, body);
  EXPECT_TRUE(url.url.starts_with(base_url_ + "/storage/listings/28/batches/51/raw/301?"));
  auto r = send(url, body);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("etag"), in_quotes(md5_hex(body)));
  EXPECT_EQ(r.header("x-amz-checksum-sha256"), sha256_base64(body));

  auto head = must(store_->head(key), "head");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->size, 200'000);
  EXPECT_EQ(head->content_type, "image/jpeg");
  EXPECT_EQ(head->checksum_sha256, sha256_base64(body));
  EXPECT_TRUE(files_under(store_->temp_dir()).empty());

  auto get = http({.url = must(store_->presign_get(key, {}), "presign get").url});
  ASSERT_EQ(get.status, 200);
  EXPECT_TRUE(get.body == body);
  EXPECT_EQ(get.header("content-length"), "200000");
  EXPECT_EQ(get.header("content-type"), "image/jpeg");
  EXPECT_EQ(get.header("etag"), in_quotes(md5_hex(body)));
  EXPECT_EQ(get.header("accept-ranges"), "bytes");
  EXPECT_EQ(get.header("last-modified"), "Thu, 15 Jan 2026 10:00:00 GMT");
}

TEST_F(StorageHttp, PutWithoutChecksumAndEmptyBodyWork) {
  const std::string key = "listings/1/empty";
  auto r = send(presign_put(key, "", false, "text/plain"), std::string{});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("etag"), in_quotes("d41d8cd98f00b204e9800998ecf8427e"));
  auto get = http({.url = must(store_->presign_get(key, {}), "presign").url});
  EXPECT_EQ(get.status, 200);
  EXPECT_EQ(get.body, "");
  EXPECT_EQ(get.header("content-length"), "0");
}

// ------------------------------------------------------------------- the refusals (Must show)

TEST_F(StorageHttp, TamperedSignatureIsSignatureDoesNotMatch) {
  const std::string key = "listings/1/tampered";
  const std::string body = "photo bytes";
  auto url = presign_put(key, body);
  // Flip the last hex digit of X-Amz-Signature.
  url.url.back() = url.url.back() == '0' ? '1' : '0';
  auto r = send(url, body);
  expect_s3_error(r, 403, "SignatureDoesNotMatch");
  EXPECT_EQ(xml_element(r.body, "AWSAccessKeyId"), local_credentials().access_key_id);
  expect_nothing_stored(key);
}

TEST_F(StorageHttp, ExpiredUrlIsAccessDenied) {
  const std::string key = "listings/1/expired";
  const std::string body = "photo bytes";
  const auto url = presign_put(key, body, true, "image/jpeg", 60s);
  EXPECT_EQ(url.expires_at, pinned_now() + 60s);
  clock_.advance(61s);
  auto r = send(url, body);
  expect_s3_error(r, 403, "AccessDenied");
  EXPECT_EQ(xml_element(r.body, "Message"), "Request has expired");
  EXPECT_EQ(xml_element(r.body, "Expires"), "2026-01-15T10:01:00Z");
  expect_nothing_stored(key);
  // Still inside its lifetime it works: the refusal was the expiry, nothing else.
  clock_.set(pinned_now() + 59s);
  EXPECT_EQ(send(url, body).status, 200);
}

TEST_F(StorageHttp, UrlSignedForAnotherKeyIsSignatureDoesNotMatch) {
  const std::string key_a = "listings/1/batches/1/raw/10";
  const std::string key_b = "listings/1/batches/1/raw/11";
  const std::string body = "photo bytes";
  auto url = presign_put(key_a, body);
  const auto at = url.url.find("/raw/10?");
  ASSERT_NE(at, std::string::npos);
  url.url.replace(at, 8, "/raw/11?");
  auto r = send(url, body);
  expect_s3_error(r, 403, "SignatureDoesNotMatch");
  expect_nothing_stored(key_a);
  expect_nothing_stored(key_b);
}

TEST_F(StorageHttp, WrongContentLengthIsSignatureDoesNotMatch) {
  const std::string key = "listings/1/length";
  const std::string body = "0123456789";
  const auto url = presign_put(key, body, false);  // signs Content-Length: 10
  expect_s3_error(send(url, body + "X"), 403, "SignatureDoesNotMatch");
  expect_nothing_stored(key);
  expect_s3_error(send(url, body.substr(0, 9)), 403, "SignatureDoesNotMatch");
  expect_nothing_stored(key);
}

TEST_F(StorageHttp, WrongContentTypeIsSignatureDoesNotMatch) {
  const std::string key = "listings/1/type";
  const std::string body = "<svg/>";
  auto url = presign_put(key, body);
  for (auto& [name, value] : url.headers) {
    if (name == "Content-Type") value = "image/svg+xml";
  }
  expect_s3_error(send(url, body), 403, "SignatureDoesNotMatch");
  expect_nothing_stored(key);
}

TEST_F(StorageHttp, BodyWhoseSha256DiffersFromTheSignedOneIsBadDigest) {
  const std::string key = "listings/1/checksum";
  must(store_->put(key, *std::make_unique<StringSource>("the old object"), {}), "old object");
  const std::string declared = "the declared bytes";
  const std::string sent = "the other bytes!!!";  // same length, other content
  ASSERT_EQ(declared.size(), sent.size());
  auto r = send(presign_put(key, declared), sent);
  expect_s3_error(r, 400, "BadDigest");
  EXPECT_EQ(xml_element(r.body, "Message"),
            "The SHA256 you specified did not match the calculated checksum.");
  EXPECT_TRUE(files_under(store_->temp_dir()).empty());
  StringSink sink;
  must(store_->get(key, sink), "get");
  EXPECT_EQ(sink.bytes, "the old object") << "a refused upload must not replace the object";

  const std::string fresh = "listings/1/checksum-fresh";
  expect_s3_error(send(presign_put(fresh, declared), sent), 400, "BadDigest");
  expect_nothing_stored(fresh);
}

TEST_F(StorageHttp, ChangedOrMissingChecksumHeaderIsSignatureDoesNotMatch) {
  const std::string key = "listings/1/checksum-header";
  const std::string body = "photo bytes";
  auto url = presign_put(key, body);
  auto changed = url;
  for (auto& [name, value] : changed.headers) {
    if (name == "x-amz-checksum-sha256") value = sha256_base64("other");
  }
  expect_s3_error(send(changed, body), 403, "SignatureDoesNotMatch");
  auto missing = url;
  std::erase_if(missing.headers, [](const auto& h) { return h.first == "x-amz-checksum-sha256"; });
  expect_s3_error(send(missing, body), 403, "SignatureDoesNotMatch");
  expect_nothing_stored(key);
}

TEST_F(StorageHttp, UnsignedAmzHeaderIsAccessDenied) {
  const std::string key = "listings/1/unsigned";
  const std::string body = "photo bytes";
  auto r = send(presign_put(key, body), body, {{"x-amz-acl", "public-read"}});
  expect_s3_error(r, 403, "AccessDenied");
  EXPECT_EQ(xml_element(r.body, "HeadersNotSigned"), "x-amz-acl");
  expect_nothing_stored(key);
}

TEST_F(StorageHttp, RequestsWithoutQueryAuthenticationAreAccessDenied) {
  const std::string key = "listings/1/anonymous";
  expect_s3_error(http({.method = "PUT", .url = base_url_ + "/storage/" + key, .body = "x"}), 403,
                  "AccessDenied");
  expect_nothing_stored(key);
  must(store_->put(key, *std::make_unique<StringSource>("secret"), {}), "put");
  auto r = http({.url = base_url_ + "/storage/" + key});
  expect_s3_error(r, 403, "AccessDenied");
  EXPECT_EQ(r.body.find("secret"), std::string::npos);
}

TEST_F(StorageHttp, UnknownAccessKeyIsInvalidAccessKeyId) {
  const std::string key = "listings/1/other-key";
  aws::SigV4Signer other{
      {{"SOMEONEELSE", "their-secret", std::nullopt}, "local", "s3", std::nullopt}, clock_};
  aws::RequestToSign request{"GET", "127.0.0.1:" + std::to_string(port_), "/storage/" + key, {}, {},
                             {}};
  aws::PresignOptions options;
  options.scheme = "http";
  auto url = must(other.presign(request, options), "presign");
  expect_s3_error(http({.url = url.url}), 403, "InvalidAccessKeyId");
}

// A body shorter than its Content-Length, and then nothing: the server's read times out and the
// upload ends early. Sent over a raw socket, since no HTTP client sends a short body on purpose.
TEST_F(StorageHttp, TruncatedBodyIsIncompleteBodyAndStoresNothing) {
  const std::string key = "listings/1/truncated";
  const std::string body = "0123456789";
  const auto url = presign_put(key, body, false, "text/plain");
  const std::string target = url.url.substr(base_url_.size());
  std::string request = "PUT " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port_) +
                        "\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\n01234";

  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port_));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::send(fd, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
  // Read until the whole error document is in (the server may keep the connection open).
  std::string response;
  std::array<char, 4096> buf{};
  for (ssize_t n; response.find("</Error>") == std::string::npos &&
                  (n = ::recv(fd, buf.data(), buf.size(), 0)) > 0;) {
    response.append(buf.data(), static_cast<std::size_t>(n));
  }
  ::close(fd);
  EXPECT_TRUE(response.starts_with("HTTP/1.1 400")) << response;
  EXPECT_EQ(xml_element(response, "Code"), "IncompleteBody") << response;
  EXPECT_EQ(xml_element(response, "NumberBytesProvided"), "5") << response;
  expect_nothing_stored(key);
}

// With "Expect: 100-continue" the refusal comes before the body: a 32 MiB upload to a tampered
// URL is never sent.
TEST_F(StorageHttp, RefusedUploadWithExpectContinueIsNotSent) {
  const std::string key = "listings/1/big-refused";
  constexpr std::size_t kSize = 32 * 1024 * 1024;
  core::PresignPut p{"video/mp4", static_cast<std::int64_t>(kSize), std::nullopt, 600s};
  auto url = must(store_->presign_put(key, p), "presign");
  url.url.back() = url.url.back() == '0' ? '1' : '0';
  HttpCall call;
  call.method = "PUT";
  call.url = url.url;
  call.headers = url.headers;
  call.expect_continue = true;
  call.reader_length = static_cast<curl_off_t>(kSize);
  call.reader = [](char* buf, std::size_t n) {
    std::fill_n(buf, n, 'v');
    return n;
  };
  auto r = http(call);
  expect_s3_error(r, 403, "SignatureDoesNotMatch");
  EXPECT_LT(r.uploaded, kSize) << "the body should not have been sent";
  expect_nothing_stored(key);
  // The server is still fine afterwards.
  EXPECT_EQ(send(presign_put(key, "ok"), std::string{"ok"}).status, 200);
}

// ------------------------------------------------------------------------------ multipart

TEST_F(StorageHttp, PartPutReturnsEtagAndTheUploadCompletes) {
  const std::string key = "listings/2/batches/3/raw/4";
  const auto id =
      must(store_->create_multipart(key, {"video/mp4", std::nullopt, std::nullopt}), "create");
  const std::vector<std::string> data = {test_bytes(64 * 1024, 1), test_bytes(5000, 2)};
  std::vector<core::CompletedPart> parts;
  for (int n = 1; n <= 2; ++n) {
    const auto& bytes = data[static_cast<std::size_t>(n - 1)];
    auto url = must(
        store_->presign_upload_part(key, {id, n, static_cast<std::int64_t>(bytes.size()), 600s}),
        "presign part");
    EXPECT_NE(url.url.find("partNumber=" + std::to_string(n)), std::string::npos);
    EXPECT_NE(url.url.find("uploadId=" + id), std::string::npos);
    auto r = send(url, bytes, {{"Origin", std::string{kOrigin}}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.header("etag"), in_quotes(md5_hex(bytes)));
    EXPECT_NE(r.header("access-control-expose-headers").find("ETag"), std::string::npos)
        << "browsers must be able to read the part ETag";
    parts.push_back({n, r.header("etag")});
  }
  EXPECT_EQ(must(store_->list_parts(key, id), "list").size(), 2U);
  EXPECT_FALSE(must(store_->head(key), "head").has_value());
  auto done = must(store_->complete_multipart(key, id, parts), "complete");
  EXPECT_EQ(done.etag, multipart_etag(data));
  auto get = http({.url = must(store_->presign_get(key, {}), "presign").url});
  EXPECT_TRUE(get.body == data[0] + data[1]);
}

TEST_F(StorageHttp, PartRefusals) {
  const std::string key = "listings/2/parts";
  const auto id = must(store_->create_multipart(key, {}), "create");
  // An upload that does not exist (well-formed id).
  auto unknown =
      must(store_->presign_upload_part(key, {std::string(32, 'a'), 1, 4, 600s}), "presign");
  expect_s3_error(send(unknown, std::string{"data"}), 404, "NoSuchUpload");
  // A part number changed after signing.
  auto url = must(store_->presign_upload_part(key, {id, 1, 4, 600s}), "presign");
  const auto at = url.url.find("partNumber=1");
  ASSERT_NE(at, std::string::npos);
  url.url.replace(at, 12, "partNumber=2");
  expect_s3_error(send(url, std::string{"data"}), 403, "SignatureDoesNotMatch");
  EXPECT_TRUE(must(store_->list_parts(key, id), "list").empty());
  EXPECT_TRUE(files_under(store_->temp_dir()).empty());
}

// ------------------------------------------------------------------------------ reads

class StorageHttpReads : public StorageHttp {
 protected:
  void SetUp() override {
    StorageHttp::SetUp();
    data_ = test_bytes(100'000, 9);
    core::PutOptions options{"video/mp4", std::nullopt, std::nullopt};
    StringSource source{data_};
    must(store_->put(key_, source, options), "put");
    url_ = must(store_->presign_get(key_, {}), "presign get").url;
  }
  HttpResult get_range(std::string range) {
    return http({.url = url_, .headers = {{"Range", std::move(range)}}});
  }
  std::string key_ = "listings/5/batches/6/out/7/8/large.jpg";
  std::string data_;
  std::string url_;
};

TEST_F(StorageHttpReads, RangeGetIs206WithContentRange) {
  auto r = get_range("bytes=100-199");
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.header("content-range"), "bytes 100-199/100000");
  EXPECT_EQ(r.header("content-length"), "100");
  EXPECT_TRUE(r.body == data_.substr(100, 100));

  r = get_range("bytes=99990-");
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.header("content-range"), "bytes 99990-99999/100000");
  EXPECT_TRUE(r.body == data_.substr(99'990));

  r = get_range("bytes=-10");  // the last 10 bytes
  EXPECT_EQ(r.status, 206);
  EXPECT_TRUE(r.body == data_.substr(99'990));

  r = get_range("bytes=99000-500000");  // last past the end: clamped
  EXPECT_EQ(r.header("content-range"), "bytes 99000-99999/100000");
  EXPECT_TRUE(r.body == data_.substr(99'000));
}

TEST_F(StorageHttpReads, UnsatisfiableRangeIs416AndOddRangesAreIgnored) {
  auto r = get_range("bytes=100000-");
  expect_s3_error(r, 416, "InvalidRange");
  EXPECT_EQ(r.header("content-range"), "bytes */100000");
  // Several ranges: S3 serves the whole object. (A malformed Range header is ignored by the
  // handler, as by S3, see Handler.OddRangesAreIgnored.)
  r = get_range("bytes=0-1,5-6");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body.size(), data_.size());
}

TEST_F(StorageHttpReads, HeadReportsTheObjectWithoutBody) {
  aws::SigV4Signer signer{{local_credentials(), "local", "s3", std::nullopt}, clock_};
  aws::RequestToSign request{
      "HEAD", "127.0.0.1:" + std::to_string(port_), aws::s3_object_path("storage", key_), {}, {},
      {}};
  aws::PresignOptions options;
  options.scheme = "http";
  auto url = must(signer.presign(request, options), "presign head");
  auto r = http({.method = "HEAD", .url = url.url});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("content-length"), "100000");
  EXPECT_EQ(r.header("content-type"), "video/mp4");
  EXPECT_EQ(r.header("etag"), in_quotes(md5_hex(data_)));
  EXPECT_EQ(r.header("accept-ranges"), "bytes");
  EXPECT_TRUE(r.body.empty());
  // The GET URL does not authorize HEAD: the method is signed.
  EXPECT_EQ(http({.method = "HEAD", .url = url_}).status, 403);
  // A missing key: 404 without a body.
  request.path = aws::s3_object_path("storage", "listings/none");
  auto missing = http({.method = "HEAD", .url = must(signer.presign(request, options), "p").url});
  EXPECT_EQ(missing.status, 404);
  EXPECT_TRUE(missing.body.empty());
}

TEST_F(StorageHttpReads, MissingKeyIsNoSuchKey) {
  auto r = http({.url = must(store_->presign_get("listings/5/none", {}), "presign").url});
  expect_s3_error(r, 404, "NoSuchKey");
  EXPECT_EQ(xml_element(r.body, "Key"), "listings/5/none");
}

TEST_F(StorageHttpReads, ResponseContentDispositionSetsContentDispositionWithUtf8Name) {
  const std::string name = "Fachada à noite — sala de estar.jpg";
  const std::string disposition = storage::content_disposition(name);
  EXPECT_EQ(disposition,
            "attachment; filename=\"Fachada a noite _ sala de estar.jpg\"; "
            "filename*=UTF-8''Fachada%20%C3%A0%20noite%20%E2%80%94%20sala%20de%20estar.jpg");
  auto url = must(store_->presign_get(key_, {disposition, 600s}), "presign").url;
  EXPECT_NE(url.find("response-content-disposition="), std::string::npos);
  auto r = http({.url = url});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("content-disposition"), disposition);
  EXPECT_EQ(r.body.size(), data_.size());
  // The disposition is signed: another one is refused.
  const auto at = url.find("Fachada");
  ASSERT_NE(at, std::string::npos);
  url.replace(at, 7, "Fachado");
  EXPECT_EQ(http({.url = url}).status, 403);
}

TEST_F(StorageHttpReads, ConditionalGet) {
  const std::string etag = in_quotes(md5_hex(data_));
  auto r = http({.url = url_, .headers = {{"If-None-Match", etag}}});
  EXPECT_EQ(r.status, 304);
  EXPECT_TRUE(r.body.empty());
  r = http({.url = url_, .headers = {{"If-Match", "\"0000\""}}});
  expect_s3_error(r, 412, "PreconditionFailed");
  r = http({.url = url_, .headers = {{"If-Match", etag}}});
  EXPECT_EQ(r.status, 200);
}

// ------------------------------------------------------------------------------ CORS

TEST_F(StorageHttp, CorsPreflightAndExposedHeaders) {
  const std::string url = base_url_ + "/storage/listings/1/cors";
  auto ok =
      http({.method = "OPTIONS",
            .url = url,
            .headers = {{"Origin", std::string{kOrigin}},
                        {"Access-Control-Request-Method", "PUT"},
                        {"Access-Control-Request-Headers", "content-type,x-amz-checksum-sha256"}}});
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.header("access-control-allow-origin"), kOrigin);
  EXPECT_NE(ok.header("access-control-allow-methods").find("PUT"), std::string::npos);
  EXPECT_EQ(ok.header("access-control-allow-headers"), "content-type,x-amz-checksum-sha256");
  EXPECT_NE(ok.header("access-control-expose-headers").find("ETag"), std::string::npos);

  auto other = http(
      {.method = "OPTIONS",
       .url = url,
       .headers = {{"Origin", "https://evil.example"}, {"Access-Control-Request-Method", "PUT"}}});
  expect_s3_error(other, 403, "AccessForbidden");
  EXPECT_FALSE(other.has_header("access-control-allow-origin"));
  auto no_method = http(
      {.method = "OPTIONS",
       .url = url,
       .headers = {{"Origin", std::string{kOrigin}}, {"Access-Control-Request-Method", "DELETE"}}});
  EXPECT_EQ(no_method.status, 403);

  // Actual requests: allowed origin gets ACAO and the exposed ETag (also on errors), others not.
  const std::string body = "x";
  auto put = send(presign_put("listings/1/cors", body), body, {{"Origin", std::string{kOrigin}}});
  EXPECT_EQ(put.status, 200);
  EXPECT_EQ(put.header("access-control-allow-origin"), kOrigin);
  auto denied = http({.url = url, .headers = {{"Origin", std::string{kOrigin}}}});
  EXPECT_EQ(denied.status, 403);
  EXPECT_EQ(denied.header("access-control-allow-origin"), kOrigin);
  auto foreign =
      send(presign_put("listings/1/cors2", body), body, {{"Origin", "https://evil.example"}});
  EXPECT_EQ(foreign.status, 200);
  EXPECT_FALSE(foreign.has_header("access-control-allow-origin"));
}

TEST_F(StorageHttp, OtherMethodsAreMethodNotAllowed) {
  const std::string url = base_url_ + "/storage/listings/1/x";
  expect_s3_error(http({.method = "DELETE", .url = url}), 405, "MethodNotAllowed");
  expect_s3_error(http({.method = "POST", .url = url, .body = "x"}), 405, "MethodNotAllowed");
}

// ------------------------------------------------------------------------------ the server

TEST(HttpServer, EphemeralPortServesAndStopsCleanly) {
  http::HttpServer server{http::ServerOptions{}};
  server.routes().add("GET", "/ping", [](const http::Request&) -> http::Plan {
    http::Response res;
    res.headers = {{"Content-Type", "text/plain"}};
    res.body = "pong";
    return res;
  });
  const int port = must(server.start(), "start");
  EXPECT_GT(port, 0);
  EXPECT_EQ(server.port(), port);
  EXPECT_TRUE(fails_with(server.start(), core::ErrorCode::kInvalidRequest));
  auto r = http({.url = "http://127.0.0.1:" + std::to_string(port) + "/ping"});
  EXPECT_EQ(r.body, "pong");
  server.stop();
  server.stop();  // idempotent
  r = http({.url = "http://127.0.0.1:" + std::to_string(port) + "/ping", .timeout_seconds = 5});
  EXPECT_EQ(r.code, CURLE_COULDNT_CONNECT);
}

// Past a connection cap the server answers 503 SERVER_BUSY (JSON, Retry-After) and closes; a
// closed connection gives its slot back.
TEST(HttpServer, ConnectionCapsAnswer503AndFreeTheirSlots) {
  http::HttpServer server{
      http::ServerOptions{.max_connections = 3, .max_connections_per_client = 2}};
  server.routes().add("GET", "/ping", [](const http::Request&) -> http::Plan {
    http::Response res;
    res.body = "pong";
    return res;
  });
  // The refusal is answered before any request is read: it still gets the hooks' request id and
  // trace headers.
  server.hooks().identify = [](http::Request& req) {
    req.request_id = "busy-id";
    req.traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  };
  server.hooks().decorate = [](const http::Request& req, http::Response& res) {
    res.set_header("X-Request-Id", req.request_id);
    res.set_header("traceparent", req.traceparent);
  };
  const int port = must(server.start(), "start");
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/ping";
  auto held = std::make_unique<RawConnection>(port);
  RawConnection second{port};
  ASSERT_TRUE(held->send("GET /ping HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_NE(held->read_until("pong").find("pong"), std::string::npos);
  ASSERT_TRUE(second.send("GET /ping HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_NE(second.read_until("pong").find("pong"), std::string::npos);
  // Two from 127.0.0.1 are open: a third from the same address is refused.
  auto refused = http({.url = url, .timeout_seconds = 5});
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_NE(refused.body.find("\"SERVER_BUSY\""), std::string::npos) << refused.body;
  EXPECT_EQ(refused.header("retry-after"), "1");
  EXPECT_EQ(refused.header("x-request-id"), "busy-id");
  EXPECT_EQ(refused.header("traceparent"),
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  EXPECT_EQ(server.open_connections(), 2U);
  held.reset();  // closes: its slot is free again
  for (int i = 0; i < 100 && server.open_connections() > 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
  }
  EXPECT_EQ(http({.url = url, .timeout_seconds = 5}).body, "pong");
}

TEST(HttpServer, BusyPortIsAnError) {
  http::HttpServer first{http::ServerOptions{}};
  const int port = must(first.start(), "start");
  http::HttpServer second{http::ServerOptions{.port = port}};
  EXPECT_TRUE(fails_with(second.start(), core::ErrorCode::kInternal));
}

// ------------------------------------------------------------------------ slow downloaders

// A storage pool of two threads and a write deadline far away, so that a download holding a
// thread would hold it for the whole test.
class StorageHttpSmallPool : public StorageHttp {
 protected:
  http::ServerOptions server_options() const override {
    return {.read_timeout = 2s, .write_timeout = 600s, .storage_threads = 2};
  }
};

// Four clients start downloading an 8 MiB object and stop reading after its headers (more slow
// readers than the storage pool has threads; each socket's buffers hold far less than the
// object). An honest upload and a small download are served meanwhile: the body of a download is
// read from disk a piece at a time on the pool and written from the I/O threads, so a stalled
// reader holds no thread. (Before, each download held a pool thread until its last byte was
// taken: the upload waited for a reader to finish or for the write deadline.) The stalled
// downloads were not dropped either: each then reads the whole object, byte for byte.
TEST_F(StorageHttpSmallPool, SlowDownloadersBeyondThePoolSizeDoNotStopAnUpload) {
  const std::string big_key = "listings/28/batches/51/jobs/1/archive.zip";
  const std::string big = noise_bytes(8U << 20U, 21);
  StringSource source{big};
  must(store_->put(big_key, source, {"application/zip", std::nullopt, std::nullopt}), "put");
  const std::string target =
      must(store_->presign_get(big_key, {}), "presign").url.substr(base_url_.size());
  std::vector<std::unique_ptr<RawConnection>> stalled;
  for (int i = 0; i < 4; ++i) {
    stalled.push_back(std::make_unique<RawConnection>(port_, 16 * 1024));
    ASSERT_TRUE(stalled.back()->send(
        "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port_) + "\r\n\r\n"));
    const auto& got = stalled.back()->read_until("\r\n\r\n");
    ASSERT_EQ(stalled.back()->status(), 200) << got.substr(0, 200);
  }

  const std::string key = "listings/28/batches/51/raw/302";
  const std::string body = noise_bytes(1U << 20U, 22);
  auto put = send(presign_put(key, body), body);
  EXPECT_EQ(put.code, CURLE_OK) << curl_easy_strerror(put.code);
  EXPECT_EQ(put.status, 200) << put.body;
  auto small = http({.url = must(store_->presign_get(key, {}), "presign").url});
  EXPECT_EQ(small.status, 200);
  EXPECT_EQ(small.body == body, true) << "the small download is the uploaded bytes";

  for (auto& c : stalled) {
    c->read_to_close(20000);  // the server closes the kept-alive connection once it is idle
    const auto& all = c->received();
    const auto body_at = all.find("\r\n\r\n") + 4;
    ASSERT_EQ(all.size() - body_at, big.size());
    EXPECT_EQ(all.compare(body_at, std::string::npos, big), 0);
  }
}

}  // namespace
}  // namespace toq::testing

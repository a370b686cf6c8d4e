// Unit tests of the SigV4 building blocks and of the contracts the vector suites do not pin down:
// signing-key derivation, URI rules, the signing-key cache, header/presign options, and every
// verdict of verify_presigned().

#include "adapter/aws/sigv4.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "adapter/aws/s3_requests.hpp"
#include "adapter/aws/sigv4_verify.hpp"
#include "aws_test_support.hpp"
#include "support/crypto/digest.hpp"
#include "support/hex.hpp"
#include "support/manual_clock.hpp"
#include "support/uri.hpp"

namespace toq::aws {
namespace {

using support::hex_lower;

using std::chrono::seconds;
using testing::ManualClock;

core::Timestamp at(std::string_view amz_date) {
  return parse_amz_date(amz_date).value();
}

SignerConfig s3_config(std::optional<std::string> token = std::nullopt) {
  SignerConfig config;
  config.credentials.access_key_id = "AKIDEXAMPLE";
  config.credentials.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  config.credentials.session_token = std::move(token);
  config.region = "sa-east-1";
  config.service = "s3";
  return config;
}

RequestToSign get_object(std::string_view key) {
  RequestToSign request;
  request.method = "GET";
  request.host = "127.0.0.1:9000";
  request.path = s3_object_path("toq-media", key);
  return request;
}

std::optional<std::string> header(const Params& headers, std::string_view name) {
  for (const auto& [n, v] : headers) {
    if (n == name) return v;
  }
  return std::nullopt;
}

// ---- signing key ----

// The worked example of the AWS documentation ("Examples of how to derive a signing key").
TEST(Crypto, SigningKeyDerivation) {
  const auto key =
      derive_signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                         {.date = "20120215", .region = "us-east-1", .service = "iam"});
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(hex_lower(*key), "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
}

TEST(AmzDate, FormatsAndParses) {
  const auto t = core::parse_rfc3339("2024-02-29T23:59:59.999Z").value();
  EXPECT_EQ(format_amz_date(t), "20240229T235959Z");  // milliseconds are dropped, not rounded
  EXPECT_EQ(format_amz_date(at("20150830T123600Z")), "20150830T123600Z");
  EXPECT_FALSE(parse_amz_date("20150830T123600").has_value());
  EXPECT_FALSE(parse_amz_date("20150230T123600Z").has_value());
  EXPECT_FALSE(parse_amz_date("20150830T243600Z").has_value());
  EXPECT_FALSE(parse_amz_date("2015083OT123600Z").has_value());
}

// ---- canonical request rules ----

TEST(CanonicalRequest, PathRulesFollowTheService) {
  ManualClock clock{at("20150830T123600Z")};
  RequestToSign request;
  request.method = "GET";
  request.host = "example.amazonaws.com";
  request.path = "/a%20b/./c/../d//";

  SignerConfig config = s3_config();
  const SigV4Signer s3{config, clock};
  EXPECT_TRUE(s3.canonical_request(request, {"host"})->starts_with("GET\n/a%20b/./c/../d//\n"));

  config.service = "execute-api";
  const SigV4Signer generic{config, clock};
  EXPECT_TRUE(generic.canonical_request(request, {"host"})->starts_with("GET\n/a%2520b/d/\n"));

  config.path_rules = PathRules{.normalize = false, .double_encode = true};
  const SigV4Signer unnormalized{config, clock};
  EXPECT_TRUE(
      unnormalized.canonical_request(request, {"host"})->starts_with("GET\n/a%2520b/./c/../d//\n"));
}

TEST(CanonicalRequest, HeadersAreTrimmedJoinedAndSorted) {
  ManualClock clock{at("20150830T123600Z")};
  const SigV4Signer signer{s3_config(), clock};
  RequestToSign request = get_object("k");
  request.headers = {{"X-B", "  two   words "}, {"x-a", "1"}, {"X-A", "folded\n   line"}};
  const auto canonical = signer.canonical_request(request, {"X-B", "host", "x-a", "x-a"});
  ASSERT_TRUE(canonical.has_value());
  EXPECT_EQ(*canonical,
            "GET\n/toq-media/k\n\nhost:127.0.0.1:9000\nx-a:1,folded line\nx-b:two words\n\n"
            "host;x-a;x-b\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(CanonicalRequest, RejectsMissingOrInvalidHeaders) {
  ManualClock clock{at("20150830T123600Z")};
  const SigV4Signer signer{s3_config(), clock};
  const RequestToSign request = get_object("k");
  EXPECT_EQ(signer.canonical_request(request, {"host", "content-type"}).error().code,
            core::ErrorCode::kInvalidRequest);
  EXPECT_EQ(signer.canonical_request(request, {"bad name"}).error().code,
            core::ErrorCode::kInvalidRequest);
  RequestToSign bad_method = request;
  bad_method.method = "GE T";
  EXPECT_FALSE(signer.canonical_request(bad_method, {"host"}).has_value());
}

// ---- signing key cache ----

TEST(SigningKeyCache, DerivesOncePerScopeAcrossThreads) {
  ManualClock clock{at("20150830T123600Z")};
  const SigV4Signer signer{s3_config(), clock};
  const RequestToSign request = get_object("concurrent.jpg");
  PresignOptions options;
  const std::string expected = signer.presign(request, options)->details.signature;

  std::vector<std::string> signatures(8);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < signatures.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i)
        signatures[t] = signer.presign(request, options)->details.signature;
    });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& signature : signatures) EXPECT_EQ(signature, expected);
  EXPECT_EQ(signer.key_cache().derivations(), 1U);

  clock.set(at("20150831T000000Z"));  // a new day needs a new key
  ASSERT_TRUE(signer.presign(request, options).has_value());
  EXPECT_EQ(signer.key_cache().derivations(), 2U);
}

TEST(SigningKeyCache, KeysDependOnEveryScopePart) {
  SigningKeyCache cache{2};
  const SigningKeyCache::Scope a{.date = "20150830", .region = "us-east-1", .service = "s3"};
  const SigningKeyCache::Scope b{.date = "20150830", .region = "us-east-1", .service = "sts"};
  const auto ka = cache.get("secret", a).value();
  EXPECT_NE(ka, cache.get("secret", b).value());
  EXPECT_NE(ka, cache.get("other", a).value());  // capacity 2: this one flushed the cache
  EXPECT_EQ(ka, cache.get("secret", a).value());
  EXPECT_EQ(cache.derivations(), 4U);
}

// ---- sign_headers ----

TEST(SignHeaders, AddsAuthHeadersAndReplacesStaleOnes) {
  ManualClock clock{at("20130524T000000Z")};
  const SigV4Signer signer{s3_config("session/token+="), clock};
  RequestToSign request = get_object("k");
  request.headers = {{"Authorization", "stale"},
                     {"X-Amz-Date", "19990101T000000Z"},
                     {"User-Agent", "toq/1.0"},
                     {"Range", "bytes=0-9"}};
  const auto signed_request = signer.sign_headers(
      request, SignOptions{.add_content_sha256_header = true, .sign_session_token = true});
  ASSERT_TRUE(signed_request.has_value()) << signed_request.error().message;
  const Params& headers = signed_request->request.headers;
  EXPECT_EQ(header(headers, "X-Amz-Date"), "20130524T000000Z");
  EXPECT_EQ(header(headers, "X-Amz-Security-Token"), "session/token+=");
  EXPECT_EQ(header(headers, "x-amz-content-sha256"), std::string{kEmptyPayloadSha256});
  EXPECT_EQ(
      std::ranges::count_if(headers, [](const auto& h) { return h.first == "Authorization"; }), 1);
  EXPECT_EQ(signed_request->details.signed_headers,
            "host;range;x-amz-content-sha256;x-amz-date;x-amz-security-token");
  EXPECT_EQ(header(headers, "Authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20130524/sa-east-1/s3/aws4_request, "
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date;x-amz-security-token, "
            "Signature=" +
                signed_request->details.signature);
}

TEST(SignHeaders, UnsignedSessionTokenStaysOutOfTheSignature) {
  ManualClock clock{at("20130524T000000Z")};
  const SigV4Signer signer{s3_config("tok"), clock};
  const auto signed_request = signer.sign_headers(
      get_object("k"),
      SignOptions{.add_content_sha256_header = false, .sign_session_token = false});
  ASSERT_TRUE(signed_request.has_value());
  EXPECT_EQ(signed_request->details.signed_headers, "host;x-amz-date");
  EXPECT_EQ(header(signed_request->request.headers, "X-Amz-Security-Token"), "tok");
}

// ---- presign ----

TEST(Presign, S3UsesUnsignedPayloadAndBindsExtraHeaders) {
  ManualClock clock{at("20260101T120000Z")};
  const SigV4Signer signer{s3_config("tok/en"), clock};
  RequestToSign request;
  request.method = "PUT";
  request.host = "127.0.0.1:9000";
  request.path = s3_object_path("toq-media", "listings/7/Sala de estar.jpg");
  request.query = {{"partNumber", "3"}, {"uploadId", "abc+/="}};
  request.headers = {{"Content-Type", "image/jpeg"},
                     {"Content-Length", "12345"},
                     {"x-amz-checksum-sha256", "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg="},
                     {"User-Agent", "not signed"}};
  PresignOptions options;
  options.expires = seconds{900};
  options.extra_signed_headers = {"content-type", "Content-Length", "x-amz-checksum-sha256"};
  options.scheme = "http";
  const auto url = signer.presign(request, options);
  ASSERT_TRUE(url.has_value()) << url.error().message;
  EXPECT_TRUE(url->details.canonical_request.ends_with("\nUNSIGNED-PAYLOAD"));
  EXPECT_EQ(url->details.signed_headers, "content-length;content-type;host;x-amz-checksum-sha256");
  EXPECT_TRUE(url->url.starts_with(
      "http://127.0.0.1:9000/toq-media/listings/7/Sala%20de%20estar.jpg?X-Amz-Algorithm="))
      << url->url;
  EXPECT_NE(url->query.find("&partNumber=3&uploadId=abc%2B%2F%3D&"), std::string::npos);
  EXPECT_NE(url->query.find("X-Amz-Security-Token=tok%2Fen&X-Amz-SignedHeaders="),
            std::string::npos);
  EXPECT_TRUE(url->query.ends_with("&X-Amz-Signature=" + url->details.signature));
  const Params expected_headers = {
      {"Content-Type", "image/jpeg"},
      {"Content-Length", "12345"},
      {"x-amz-checksum-sha256", "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg="}};
  EXPECT_EQ(url->headers, expected_headers);
}

TEST(Presign, RejectsBadInput) {
  ManualClock clock{at("20260101T120000Z")};
  const SigV4Signer signer{s3_config(), clock};
  PresignOptions options;
  options.expires = seconds{0};
  EXPECT_EQ(signer.presign(get_object("k"), options).error().code,
            core::ErrorCode::kInvalidRequest);
  options.expires = kMaxPresignExpiry + seconds{1};
  EXPECT_FALSE(signer.presign(get_object("k"), options).has_value());
  options.expires = kMaxPresignExpiry;
  EXPECT_TRUE(signer.presign(get_object("k"), options).has_value());

  RequestToSign with_auth = get_object("k");
  with_auth.query = {{"X-Amz-Signature", "x"}};
  EXPECT_FALSE(signer.presign(with_auth, options).has_value());

  options.extra_signed_headers = {"content-type"};
  EXPECT_FALSE(signer.presign(get_object("k"), options).has_value());
}

TEST(Presign, UnsignedTokenIsAppendedAfterTheCanonicalQuery) {
  ManualClock clock{at("20260101T120000Z")};
  const SigV4Signer signer{s3_config("t+k"), clock};
  PresignOptions options;
  options.sign_session_token = false;
  const auto url = signer.presign(get_object("k"), options);
  ASSERT_TRUE(url.has_value());
  EXPECT_EQ(url->details.canonical_request.find("X-Amz-Security-Token"), std::string::npos);
  EXPECT_NE(url->query.find("&X-Amz-Security-Token=t%2Bk&X-Amz-Signature="), std::string::npos);
}

// ---- verify_presigned ----

class VerifyPresigned : public ::testing::Test {
 protected:
  static constexpr std::string_view kSignedAt = "20260101T120000Z";

  VerifyPresigned() : signing_clock_(at(kSignedAt)), clock_(at(kSignedAt)) {
    config_.region = "sa-east-1";
    config_.service = "s3";
    credentials_ = s3_config("tok").credentials;
  }

  // A presigned PUT that binds content-type, as received by the store.
  IncomingRequest presigned_put() {
    const SigV4Signer signer{s3_config("tok"), signing_clock_};
    RequestToSign request;
    request.method = "PUT";
    request.host = "127.0.0.1:9000";
    request.path = s3_object_path("toq-media", "a b/ção+.jpg");
    request.query = {{"partNumber", "1"}, {"uploadId", "u/1"}};
    request.headers = {{"Content-Type", "image/jpeg"}};
    PresignOptions options;
    options.expires = seconds{600};
    options.extra_signed_headers = {"Content-Type"};
    const auto url = signer.presign(request, options).value();
    IncomingRequest incoming;
    incoming.method = "PUT";
    incoming.host = "127.0.0.1:9000";
    incoming.raw_path = url.path;
    incoming.raw_query = url.query;
    incoming.headers = {{"Host", "127.0.0.1:9000"}, {"content-type", " image/jpeg"}};
    return incoming;
  }

  VerifyResult verify(const IncomingRequest& request) {
    const auto lookup = [this](std::string_view key) -> std::optional<Credentials> {
      if (key == credentials_.access_key_id) return credentials_;
      return std::nullopt;
    };
    auto result = verify_presigned(request, config_, lookup, clock_, &cache_);
    EXPECT_TRUE(result.has_value());
    return result.value_or(VerifyResult{});
  }

  static IncomingRequest with_query(IncomingRequest request, std::string_view from,
                                    std::string_view to) {
    const std::size_t pos = request.raw_query.find(from);
    EXPECT_NE(pos, std::string::npos) << from;
    if (pos != std::string::npos) request.raw_query.replace(pos, from.size(), to);
    return request;
  }

  ManualClock signing_clock_;
  ManualClock clock_;
  VerifyConfig config_;
  Credentials credentials_;
  SigningKeyCache cache_;
};

TEST_F(VerifyPresigned, AcceptsWhatWasSigned) {
  const auto result = verify(presigned_put());
  EXPECT_EQ(result.status, VerifyStatus::kOk) << result.detail;
  EXPECT_EQ(result.access_key_id, "AKIDEXAMPLE");
  EXPECT_EQ(result.expires_at, at(kSignedAt) + seconds{600});
  EXPECT_EQ(to_string(result.status), "OK");
}

TEST_F(VerifyPresigned, AcceptsAnEquivalentEncodingOfThePath) {
  IncomingRequest request = presigned_put();
  request.raw_path = "/toq-media/a b/ção+.jpg";  // S3 decodes, then encodes once
  EXPECT_EQ(verify(request).status, VerifyStatus::kOk);
}

TEST_F(VerifyPresigned, ExpiryAndClockSkew) {
  const IncomingRequest request = presigned_put();
  clock_.set(at(kSignedAt) + seconds{600});
  EXPECT_EQ(verify(request).status, VerifyStatus::kOk);
  clock_.set(at(kSignedAt) + seconds{601});
  EXPECT_EQ(verify(request).status, VerifyStatus::kExpired);
  clock_.set(at(kSignedAt) - config_.max_clock_skew);
  EXPECT_EQ(verify(request).status, VerifyStatus::kOk);
  clock_.set(at(kSignedAt) - config_.max_clock_skew - seconds{1});
  EXPECT_EQ(verify(request).status, VerifyStatus::kNotYetValid);
}

TEST_F(VerifyPresigned, TamperingIsASignatureMismatch) {
  const IncomingRequest request = presigned_put();
  IncomingRequest other_path = request;
  other_path.raw_path += "x";
  EXPECT_EQ(verify(other_path).status, VerifyStatus::kSignatureMismatch);
  IncomingRequest other_method = request;
  other_method.method = "GET";
  EXPECT_EQ(verify(other_method).status, VerifyStatus::kSignatureMismatch);
  IncomingRequest other_header = request;
  other_header.headers.back().second = "image/png";
  EXPECT_EQ(verify(other_header).status, VerifyStatus::kSignatureMismatch);
  EXPECT_EQ(verify(with_query(request, "partNumber=1", "partNumber=2")).status,
            VerifyStatus::kSignatureMismatch);
  EXPECT_EQ(verify(with_query(request, "X-Amz-Expires=600", "X-Amz-Expires=6000")).status,
            VerifyStatus::kSignatureMismatch);
  IncomingRequest extra_param = request;
  extra_param.raw_query += "&response-content-type=text%2Fhtml";
  EXPECT_EQ(verify(extra_param).status, VerifyStatus::kSignatureMismatch);

  IncomingRequest flipped = request;
  const std::size_t sig = flipped.raw_query.find("X-Amz-Signature=") + 16;
  flipped.raw_query[sig] = flipped.raw_query[sig] == 'a' ? 'b' : 'a';
  EXPECT_EQ(verify(flipped).status, VerifyStatus::kSignatureMismatch);

  credentials_.secret_access_key = "another secret";
  EXPECT_EQ(verify(request).status, VerifyStatus::kSignatureMismatch);
}

TEST_F(VerifyPresigned, SessionTokenMustMatchTheKey) {
  const IncomingRequest request = presigned_put();
  credentials_.session_token = "other";
  EXPECT_EQ(verify(request).status, VerifyStatus::kSignatureMismatch);
  credentials_.session_token.reset();
  EXPECT_EQ(verify(request).status, VerifyStatus::kSignatureMismatch);
}

TEST_F(VerifyPresigned, MissingSignedHeader) {
  IncomingRequest request = presigned_put();
  request.headers.pop_back();  // content-type
  const auto result = verify(request);
  EXPECT_EQ(result.status, VerifyStatus::kMissingSignedHeader);
  EXPECT_NE(result.detail.find("content-type"), std::string::npos);
}

TEST_F(VerifyPresigned, UnknownAccessKey) {
  credentials_.access_key_id = "SOMEONEELSE";
  EXPECT_EQ(verify(presigned_put()).status, VerifyStatus::kUnknownAccessKey);
}

TEST_F(VerifyPresigned, MalformedAuthParameters) {
  const IncomingRequest request = presigned_put();
  const auto status_after = [&](std::string_view from, std::string_view to) {
    return verify(with_query(request, from, to)).status;
  };
  EXPECT_EQ(status_after("X-Amz-Algorithm=AWS4-HMAC-SHA256", "X-Amz-Algorithm=AWS4-HMAC-SHA1"),
            VerifyStatus::kMalformed);
  EXPECT_EQ(status_after("X-Amz-Algorithm=", "X-Amz-Algorithmus="), VerifyStatus::kMalformed);
  EXPECT_EQ(status_after("X-Amz-Date=20260101T120000Z", "X-Amz-Date=2026-01-01"),
            VerifyStatus::kMalformed);
  EXPECT_EQ(status_after("X-Amz-Date=20260101T120000Z", "X-Amz-Date=20260102T120000Z"),
            VerifyStatus::kMalformed);  // credential date differs
  EXPECT_EQ(status_after("%2Fsa-east-1%2F", "%2Fus-east-1%2F"), VerifyStatus::kMalformed);
  EXPECT_EQ(status_after("%2Fs3%2F", "%2Fsts%2F"), VerifyStatus::kMalformed);
  EXPECT_EQ(status_after("aws4_request", "aws5_request"), VerifyStatus::kMalformed);
  EXPECT_EQ(status_after("X-Amz-Expires=600", "X-Amz-Expires=604801"), VerifyStatus::kMalformed);
  EXPECT_EQ(status_after("X-Amz-Expires=600", "X-Amz-Expires=-1"), VerifyStatus::kMalformed);
  EXPECT_EQ(status_after("X-Amz-Expires=600", "X-Amz-Expires=6e2"), VerifyStatus::kMalformed);
  EXPECT_EQ(status_after("X-Amz-SignedHeaders=content-type%3Bhost",
                         "X-Amz-SignedHeaders=host%3Bcontent-type"),
            VerifyStatus::kMalformed);  // not sorted
  EXPECT_EQ(
      status_after("X-Amz-SignedHeaders=content-type%3Bhost", "X-Amz-SignedHeaders=content-type"),
      VerifyStatus::kMalformed);  // host must be signed
  EXPECT_EQ(status_after("X-Amz-Signature=", "X-Amz-Signature=00"), VerifyStatus::kMalformed);

  IncomingRequest duplicated = request;
  duplicated.raw_query += "&X-Amz-Date=20260101T120000Z";
  EXPECT_EQ(verify(duplicated).status, VerifyStatus::kMalformed);
  IncomingRequest no_auth = request;
  no_auth.raw_query = "partNumber=1";
  EXPECT_EQ(verify(no_auth).status, VerifyStatus::kMalformed);
}

}  // namespace
}  // namespace toq::aws

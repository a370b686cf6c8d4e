// The worked examples of the Amazon S3 API reference for SigV4 (header authentication and
// presigned URLs), vendored as testdata/aws-s3-sigv4-examples.json. Inputs and expected
// signatures are AWS's published values. S3 rules apply: no path normalisation, single encoding
// ("/test$file.text" signs as "/test%24file.text"), x-amz-content-sha256 on header-signed
// requests and UNSIGNED-PAYLOAD for presigned ones.

#include <chrono>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "adapter/aws/sigv4.hpp"
#include "adapter/aws/sigv4_verify.hpp"
#include "aws_test_support.hpp"
#include "support/crypto/digest.hpp"
#include "support/manual_clock.hpp"
#include "support/uri.hpp"

namespace toq::aws {
namespace {

using support::parse_query;
using support::sha256_hex;

using testing::ManualClock;
using testing::read_file;

constexpr std::size_t kExpectedCaseCount = 5;

// json::value() for strings trips GCC 12's -O2 -Wnull-dereference inside nlohmann; find() does not.
std::string optional_string(const nlohmann::json& c, const char* key) {
  const auto it = c.find(key);
  return it == c.end() ? std::string{} : it->get<std::string>();
}

RequestToSign request_from(const nlohmann::json& c) {
  RequestToSign request;
  request.method = c.at("method").get<std::string>();
  request.host = c.at("host").get<std::string>();
  request.path = c.at("path").get<std::string>();
  request.query = parse_query(optional_string(c, "query"));
  const nlohmann::json headers = c.value("headers", nlohmann::json::object());
  for (const auto& [name, value] : headers.items()) {
    request.headers.emplace_back(name, value.get<std::string>());
  }
  request.payload_sha256 = optional_string(c, "payload_sha256");
  return request;
}

TEST(S3Examples, EveryPublishedExample) {
  const auto doc = nlohmann::json::parse(
      read_file(std::filesystem::path{TOQ_TESTDATA_DIR} / "aws-s3-sigv4-examples.json"));
  const auto at = parse_amz_date(doc.at("timestamp").get<std::string>());
  ASSERT_TRUE(at.has_value());
  ManualClock clock{*at};
  SignerConfig config;
  config.credentials.access_key_id = doc.at("credentials").at("access_key_id").get<std::string>();
  config.credentials.secret_access_key =
      doc.at("credentials").at("secret_access_key").get<std::string>();
  config.region = doc.at("region").get<std::string>();
  config.service = doc.at("service").get<std::string>();
  const SigV4Signer signer{config, clock};

  std::size_t cases = 0;
  std::size_t passed = 0;
  for (const auto& c : doc.at("cases")) {
    ++cases;
    const std::string name = c.at("name").get<std::string>();
    SCOPED_TRACE("case " + name);
    const int failures_before =
        ::testing::UnitTest::GetInstance()->current_test_info()->result()->total_part_count();
    const RequestToSign request = request_from(c);

    if (c.contains("body")) {
      const auto hash = sha256_hex(c.at("body").get<std::string>());
      ASSERT_TRUE(hash.has_value());
      EXPECT_EQ(*hash, request.payload_sha256) << "payload_sha256 is the hash of body";
    }

    if (c.contains("expected_url")) {
      PresignOptions options;
      options.expires = std::chrono::seconds{c.at("expires_seconds").get<int>()};
      const auto presigned = signer.presign(request, options);
      ASSERT_TRUE(presigned.has_value()) << presigned.error().message;
      EXPECT_EQ(presigned->url, c.at("expected_url").get<std::string>());
      EXPECT_EQ(presigned->details.signature, c.at("expected_signature").get<std::string>());
      EXPECT_EQ(presigned->details.signed_headers, c.at("signed_headers").get<std::string>());
      EXPECT_TRUE(presigned->details.canonical_request.ends_with("\nUNSIGNED-PAYLOAD"));

      // And the store accepts what was just presigned.
      const auto lookup = [&](std::string_view) { return std::optional{config.credentials}; };
      IncomingRequest incoming;
      incoming.method = request.method;
      incoming.host = request.host;
      incoming.raw_path = presigned->path;
      incoming.raw_query = presigned->query;
      VerifyConfig verify_config;
      verify_config.region = config.region;
      verify_config.service = config.service;
      const auto verdict = verify_presigned(incoming, verify_config, lookup, clock);
      ASSERT_TRUE(verdict.has_value());
      EXPECT_EQ(verdict->status, VerifyStatus::kOk) << verdict->detail;
    } else if (c.contains("signed_headers") && c.contains("expected_signature")) {
      const auto signed_request =
          signer.sign_headers(request, SignOptions{.add_content_sha256_header = true});
      ASSERT_TRUE(signed_request.has_value()) << signed_request.error().message;
      EXPECT_EQ(signed_request->details.signed_headers, c.at("signed_headers").get<std::string>());
      EXPECT_EQ(signed_request->details.signature, c.at("expected_signature").get<std::string>())
          << signed_request->details.canonical_request;
    } else {
      ADD_FAILURE() << "case has neither expected_url nor signed_headers/expected_signature";
    }

    int failed = 0;
    const auto* result = ::testing::UnitTest::GetInstance()->current_test_info()->result();
    for (int i = failures_before; i < result->total_part_count(); ++i) {
      if (result->GetTestPartResult(i).failed()) ++failed;
    }
    if (failed == 0) ++passed;
  }

  std::cout << "[s3 examples] " << passed << "/" << cases << " cases passed\n";
  EXPECT_EQ(cases, kExpectedCaseCount);
  EXPECT_EQ(passed, cases);
}

TEST(S3Examples, PathIsEncodedOnceNotTwice) {
  // "$" must become %24 and an already encoded "%24" must stay %24 (not %2524) under S3 rules.
  ManualClock clock{*parse_amz_date("20130524T000000Z")};
  SignerConfig config;
  config.credentials.access_key_id = "AKID";
  config.credentials.secret_access_key = "secret";
  config.region = "us-east-1";
  config.service = "s3";
  const SigV4Signer signer{config, clock};
  for (const std::string path : {"/test$file.text", "/test%24file.text"}) {
    RequestToSign request;
    request.method = "GET";
    request.host = "examplebucket.s3.amazonaws.com";
    request.path = path;
    const auto canonical = signer.canonical_request(request, {"host"});
    ASSERT_TRUE(canonical.has_value());
    EXPECT_TRUE(canonical->starts_with("GET\n/test%24file.text\n")) << *canonical;
  }
}

}  // namespace
}  // namespace toq::aws

// Standard Webhooks signing and verification: the spec's published example, secret parsing, and
// every way verify() must refuse a request (tampering, replay window, wrong key, missing headers)
// or accept one (key rotation: any one of several signatures).

#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "core/model/error.hpp"
#include "core/model/time.hpp"

#include "adapter/webhook/webhook_secret.hpp"
#include "adapter/webhook/webhook_signer.hpp"

namespace toq::webhook {
namespace {

using core::ErrorCode;
using std::chrono::seconds;

// The Standard Webhooks reference libraries' example (and, independently, Python's hmac).
constexpr std::string_view kSpecSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr std::string_view kSpecId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr std::int64_t kSpecTime = 1614265330;
constexpr std::string_view kSpecBody = R"({"test": 2432232314})";
constexpr std::string_view kSpecSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

core::Timestamp at(std::int64_t unix_seconds, std::int64_t millis = 0) {
  return core::Timestamp{std::chrono::milliseconds{unix_seconds * 1000 + millis}};
}

WebhookSecret secret(std::string_view text) {
  auto parsed = WebhookSecret::parse(text);
  EXPECT_TRUE(parsed.has_value()) << (parsed ? "" : parsed.error().message);
  return *parsed;
}

SignedHeaders spec_headers() {
  return {std::string{kSpecId}, std::to_string(kSpecTime), std::string{kSpecSignature}};
}

void expect_unauthenticated(const core::Status& status, std::string_view message_part) {
  ASSERT_FALSE(status.has_value());
  EXPECT_EQ(status.error().code, ErrorCode::kUnauthenticated);
  EXPECT_NE(status.error().message.find(message_part), std::string::npos) << status.error().message;
  // One plain public message whatever failed.
  EXPECT_EQ(status.error().public_message, "The webhook signature is missing or invalid.");
}

// ---- secrets ----

TEST(WebhookSecret, WhsecIsBase64DecodedToTheKey) {
  const auto s = secret(kSpecSecret);
  EXPECT_EQ(s.key().size(), 24U);
  EXPECT_EQ(s.key()[0], 0x31);  // "MfKQ" -> 0x31 0xf2 0x90
  EXPECT_EQ(s.key()[1], 0xf2);
  EXPECT_EQ(s.key()[2], 0x90);
}

TEST(WebhookSecret, RawTextIsTheKeyAsGiven) {
  const auto s = secret("  correct-horse-battery-staple-42\n");
  const std::string_view expected = "correct-horse-battery-staple-42";
  ASSERT_EQ(s.key().size(), expected.size());
  EXPECT_TRUE(std::equal(expected.begin(), expected.end(), s.key().begin()));
}

TEST(WebhookSecret, UnpaddedWhsecIsAccepted) {
  // 25 bytes encode to 36 characters with "==" padding; generators often drop it.
  const auto padded = secret("whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGA==");
  const auto unpadded = secret("whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGA");
  ASSERT_EQ(padded.key().size(), 25U);
  EXPECT_TRUE(std::ranges::equal(padded.key(), unpadded.key()));
}

TEST(WebhookSecret, RejectsEmptyShortAndBadBase64) {
  for (const std::string_view bad : {
           std::string_view{""},
           std::string_view{"   \n"},
           std::string_view{"whsec_"},
           std::string_view{"whsec_c2hvcnQ="},                           // 5 bytes
           std::string_view{"whsec_not*base64*at*all*but*long*enough"},  // bad alphabet
           std::string_view{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS"},    // 31 chars: no length
           std::string_view{"only-23-characters-here"},
       }) {
    auto parsed = WebhookSecret::parse(bad);
    ASSERT_FALSE(parsed.has_value()) << bad;
    EXPECT_EQ(parsed.error().code, ErrorCode::kConfigInvalid) << bad;
    EXPECT_FALSE(parsed.error().hint.empty());
  }
  EXPECT_TRUE(WebhookSecret::parse("exactly-24-characters-ok").has_value());
}

TEST(WebhookSecret, MessagesNeverContainTheSecret) {
  auto parsed = WebhookSecret::parse("whsec_sup3r$ecretButNotBase64!!!!!!!!!!!!");
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().message.find("sup3r"), std::string::npos);
  EXPECT_EQ(parsed.error().hint.find("sup3r"), std::string::npos);
}

// ---- signing ----

TEST(WebhookSign, MatchesTheSpecExample) {
  auto headers = sign(secret(kSpecSecret), kSpecId, at(kSpecTime), kSpecBody);
  ASSERT_TRUE(headers.has_value());
  EXPECT_EQ(headers->id, kSpecId);
  EXPECT_EQ(headers->timestamp, "1614265330");
  EXPECT_EQ(headers->signature, kSpecSignature);
}

TEST(WebhookSign, TimestampIsWholeSecondsRoundedDown) {
  auto headers = sign(secret(kSpecSecret), kSpecId, at(kSpecTime, 999), kSpecBody);
  ASSERT_TRUE(headers.has_value());
  EXPECT_EQ(headers->timestamp, "1614265330");
  EXPECT_EQ(headers->signature, kSpecSignature);
}

TEST(WebhookSign, EveryInputChangesTheSignature) {
  const auto s = secret(kSpecSecret);
  const auto base = sign(s, kSpecId, at(kSpecTime), kSpecBody)->signature;
  EXPECT_NE(sign(s, "msg_other", at(kSpecTime), kSpecBody)->signature, base);
  EXPECT_NE(sign(s, kSpecId, at(kSpecTime + 1), kSpecBody)->signature, base);
  EXPECT_NE(sign(s, kSpecId, at(kSpecTime), R"({"test":2432232314})")->signature, base);
  EXPECT_NE(
      sign(secret("whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYX"), kSpecId, at(kSpecTime), kSpecBody)
          ->signature,
      base);
}

// ---- verification ----

TEST(WebhookVerify, AcceptsTheSpecExample) {
  EXPECT_TRUE(verify(secret(kSpecSecret), spec_headers(), kSpecBody, at(kSpecTime)).has_value());
}

TEST(WebhookVerify, AcceptsWhatSignProduces) {
  const auto s = secret("raw-text-secret-for-the-callback-route");
  const std::string body = "{\"jobId\":7,\"status\":\"SUCCEEDED\",\"note\":\"caf\xc3\xa9\"}\n";
  auto headers = sign(s, "msg_abc-123_XYZ", at(1'800'000'000), body);
  ASSERT_TRUE(headers.has_value());
  EXPECT_TRUE(verify(s, *headers, body, at(1'800'000'000)).has_value());
}

TEST(WebhookVerify, RejectsATamperedBody) {
  expect_unauthenticated(
      verify(secret(kSpecSecret), spec_headers(), R"({"test": 2432232315})", at(kSpecTime)),
      "matches");
  expect_unauthenticated(
      verify(secret(kSpecSecret), spec_headers(), R"({"test":2432232314})", at(kSpecTime)),
      "matches");
  expect_unauthenticated(verify(secret(kSpecSecret), spec_headers(), "", at(kSpecTime)), "matches");
}

TEST(WebhookVerify, RejectsATamperedIdOrTimestamp) {
  auto headers = spec_headers();
  headers.id = "msg_p5jXN8AQM9LWM0D4loKWxJeK";
  expect_unauthenticated(verify(secret(kSpecSecret), headers, kSpecBody, at(kSpecTime)), "matches");
  headers = spec_headers();
  headers.timestamp = std::to_string(kSpecTime + 1);
  expect_unauthenticated(verify(secret(kSpecSecret), headers, kSpecBody, at(kSpecTime)), "matches");
}

TEST(WebhookVerify, RejectsASignatureWithAnotherSecret) {
  expect_unauthenticated(verify(secret("whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYX"), spec_headers(),
                                kSpecBody, at(kSpecTime)),
                         "matches");
  // The raw text of the whsec_ value is a different key from its decoded bytes.
  auto raw = WebhookSecret::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  ASSERT_TRUE(raw.has_value());
  expect_unauthenticated(verify(*raw, spec_headers(), kSpecBody, at(kSpecTime)), "matches");
}

TEST(WebhookVerify, ToleranceIsInclusiveInBothDirections) {
  const auto s = secret(kSpecSecret);
  // Five minutes either side is fine, one second more is not.
  EXPECT_TRUE(verify(s, spec_headers(), kSpecBody, at(kSpecTime + 300)).has_value());
  EXPECT_TRUE(verify(s, spec_headers(), kSpecBody, at(kSpecTime - 300)).has_value());
  expect_unauthenticated(verify(s, spec_headers(), kSpecBody, at(kSpecTime + 301)),
                         "away from now");
  expect_unauthenticated(verify(s, spec_headers(), kSpecBody, at(kSpecTime - 301)),
                         "away from now");
  // A caller's own tolerance.
  EXPECT_TRUE(verify(s, spec_headers(), kSpecBody, at(kSpecTime + 30), seconds{30}).has_value());
  expect_unauthenticated(verify(s, spec_headers(), kSpecBody, at(kSpecTime + 31), seconds{30}),
                         "away from now");
  // Replays from long ago and far-future timestamps.
  expect_unauthenticated(verify(s, spec_headers(), kSpecBody, at(kSpecTime + 86'400 * 365)),
                         "away from now");
  expect_unauthenticated(verify(s, spec_headers(), kSpecBody, at(0)), "away from now");
}

TEST(WebhookVerify, AFreshSignatureOnAnOldTimestampIsStillRefused) {
  // Signed correctly, but at a time outside the window: the replay check runs on its own.
  const auto s = secret(kSpecSecret);
  auto old = sign(s, kSpecId, at(kSpecTime - 3600), kSpecBody);
  auto future = sign(s, kSpecId, at(kSpecTime + 3600), kSpecBody);
  expect_unauthenticated(verify(s, *old, kSpecBody, at(kSpecTime)), "away from now");
  expect_unauthenticated(verify(s, *future, kSpecBody, at(kSpecTime)), "away from now");
}

TEST(WebhookVerify, RejectsMissingHeaders) {
  const auto s = secret(kSpecSecret);
  for (int missing = 0; missing < 3; ++missing) {
    auto headers = spec_headers();
    (missing == 0 ? headers.id : missing == 1 ? headers.timestamp : headers.signature).clear();
    expect_unauthenticated(verify(s, headers, kSpecBody, at(kSpecTime)), "missing");
  }
}

TEST(WebhookVerify, RejectsMalformedTimestamps) {
  const auto s = secret(kSpecSecret);
  for (const std::string_view bad : {"1614265330.0", "+1614265330", "-1614265330", " 1614265330",
                                     "1614265330 ", "0x60377a72", "abc", "99999999999999999999"}) {
    auto headers = spec_headers();
    headers.timestamp = std::string{bad};
    expect_unauthenticated(verify(s, headers, kSpecBody, at(kSpecTime)), "integer Unix seconds");
  }
}

TEST(WebhookVerify, AcceptsWhenOneOfSeveralSignaturesMatches) {
  const auto s = secret(kSpecSecret);
  auto headers = spec_headers();
  headers.signature =
      "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4= v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw== " +
      std::string{kSpecSignature} + " v1,AAAA";
  EXPECT_TRUE(verify(s, headers, kSpecBody, at(kSpecTime)).has_value());
  // The matching one first, or with doubled spaces, works too.
  headers.signature =
      std::string{kSpecSignature} + "  v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=";
  EXPECT_TRUE(verify(s, headers, kSpecBody, at(kSpecTime)).has_value());
}

TEST(WebhookVerify, RejectsWhenNoneOfSeveralMatches) {
  auto headers = spec_headers();
  headers.signature =
      "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4= "
      "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OF=";
  expect_unauthenticated(verify(secret(kSpecSecret), headers, kSpecBody, at(kSpecTime)),
                         "none of the 2 v1 signature(s)");
}

TEST(WebhookVerify, OtherSchemesAndBareSignaturesAreNotV1) {
  const auto s = secret(kSpecSecret);
  auto headers = spec_headers();
  // The right bytes, but labelled as the asymmetric scheme, or unlabelled, or upper-case V1.
  for (const std::string& sig :
       {"v1a," + std::string{kSpecSignature.substr(3)}, std::string{kSpecSignature.substr(3)},
        "V1," + std::string{kSpecSignature.substr(3)}, std::string{"v1"}, std::string{" "}}) {
    headers.signature = sig;
    expect_unauthenticated(verify(s, headers, kSpecBody, at(kSpecTime)), "no v1 signature");
  }
  // A v1 entry with the signature's prefix only.
  headers.signature = std::string{kSpecSignature.substr(0, kSpecSignature.size() - 1)};
  expect_unauthenticated(verify(s, headers, kSpecBody, at(kSpecTime)), "matches");
}

}  // namespace
}  // namespace toq::webhook

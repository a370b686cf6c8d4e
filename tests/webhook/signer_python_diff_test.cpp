// Differential test: our Standard Webhooks signatures against an independent Python reference
// (reference_signature.py: hmac + hashlib + base64 from the standard library) for 200 random cases:
// whsec_ secrets of 24-64 random bytes (padded and unpadded), raw-text secrets (ASCII and UTF-8),
// ids with dots and UTF-8, timestamps across 0..2^32, bodies of arbitrary bytes (empty, newlines,
// NUL, invalid UTF-8, up to 4 KiB). Every signature must match byte for byte, verify() must accept
// Python's signature, and reject it once one body byte changes.

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/model/time.hpp"

#include "adapter/webhook/webhook_secret.hpp"
#include "adapter/webhook/webhook_signer.hpp"
#include "support/base64.hpp"
#include "support/shell.hpp"
#include "support/temp_dir.hpp"

namespace toq::webhook {
namespace {

constexpr std::size_t kCases = 200;
constexpr std::uint32_t kSeed = 20261126;

struct Case {
  std::string secret;
  std::string id;
  std::string timestamp;
  std::string body;
};

std::string random_text(std::mt19937& rng, std::size_t min_len, std::size_t max_len,
                        bool allow_utf8) {
  static const std::vector<std::string> kPieces = {"é", "ç", "ã", "€", "日本", "🏠"};
  std::uniform_int_distribution<std::size_t> len{min_len, max_len};
  std::uniform_int_distribution<int> printable{'!', '~'};
  std::uniform_int_distribution<int> pick{0, 9};
  std::string out;
  const std::size_t n = len(rng);
  while (out.size() < n) {
    if (allow_utf8 && pick(rng) == 0) {
      out += kPieces[std::uniform_int_distribution<std::size_t>{0, kPieces.size() - 1}(rng)];
    } else {
      out.push_back(static_cast<char>(printable(rng)));
    }
  }
  return out;
}

Case random_case(std::mt19937& rng, std::size_t i) {
  Case c;
  if (i % 2 == 0) {
    std::vector<unsigned char> key(std::uniform_int_distribution<std::size_t>{24, 64}(rng));
    for (auto& b : key) b = static_cast<unsigned char>(rng());
    std::string encoded = support::base64_encode(std::span<const unsigned char>{key});
    if (i % 4 == 0) {
      while (!encoded.empty() && encoded.back() == '=') encoded.pop_back();
    }
    c.secret = "whsec_" + encoded;
  } else {
    c.secret = random_text(rng, 24, 80, i % 3 == 0);
    if (c.secret.starts_with("whsec_")) c.secret.insert(0, "x");
  }
  c.id = i % 5 == 0 ? random_text(rng, 1, 60, true) : "msg_" + random_text(rng, 4, 40, false);
  c.timestamp =
      std::to_string(std::uniform_int_distribution<std::int64_t>{0, std::int64_t{1} << 32}(rng));
  const std::size_t body_len =
      i % 10 == 0 ? 0 : std::uniform_int_distribution<std::size_t>{1, 4096}(rng);
  c.body.resize(body_len);
  for (auto& ch : c.body) ch = static_cast<char>(rng());
  if (i % 7 == 0)
    c.body = "{\"type\":\"media.batch.ready\",\n\"batchId\":" + std::to_string(i) + "}";
  return c;
}

TEST(WebhookSignerDifferential, MatchesPythonHmacForRandomCases) {
  std::mt19937 rng{kSeed};
  std::vector<Case> cases;
  nlohmann::json input = nlohmann::json::array();
  for (std::size_t i = 0; i < kCases; ++i) {
    cases.push_back(random_case(rng, i));
    input.push_back({{"secret", cases.back().secret},
                     {"id", cases.back().id},
                     {"timestamp", cases.back().timestamp},
                     {"body_b64", support::base64_encode(std::string_view{cases.back().body})}});
  }

  const toq::testing::TempDir dir;
  const auto in_path = dir / "cases.json";
  const auto out_path = dir / "signatures.json";
  std::ofstream{in_path} << input.dump();
  const auto run = toq::testing::run_capture(std::string{TOQ_SYSTEM_PYTHON} + " " +
                                             toq::testing::shell_quote(TOQ_REFERENCE_SCRIPT) + " " +
                                             toq::testing::shell_quote(in_path.string()) + " " +
                                             toq::testing::shell_quote(out_path.string()));
  ASSERT_EQ(run.status, 0) << run.output;
  std::ifstream out{out_path};
  const auto reference = nlohmann::json::parse(out);
  ASSERT_EQ(reference.size(), kCases);

  std::size_t matched = 0;
  for (std::size_t i = 0; i < kCases; ++i) {
    const Case& c = cases[i];
    SCOPED_TRACE("case " + std::to_string(i) + " secret " + c.secret + " id " + c.id);
    auto secret = WebhookSecret::parse(c.secret);
    ASSERT_TRUE(secret.has_value()) << secret.error().message;
    const auto python = reference[i].get<std::string>();

    const std::int64_t seconds = std::stoll(c.timestamp);
    const core::Timestamp at{std::chrono::seconds{seconds}};
    auto ours = sign(*secret, c.id, at, c.body);
    ASSERT_TRUE(ours.has_value());
    EXPECT_EQ(ours->timestamp, c.timestamp);
    EXPECT_EQ(ours->signature, python);
    if (ours->signature == python) ++matched;

    // Python's signature verifies with our code; one changed body byte does not.
    const SignedHeaders headers{c.id, c.timestamp, python};
    EXPECT_TRUE(verify(*secret, headers, c.body, at).has_value());
    std::string tampered = c.body.empty() ? std::string{"x"} : c.body;
    tampered[tampered.size() / 2] = static_cast<char>(tampered[tampered.size() / 2] ^ 0x01);
    EXPECT_FALSE(verify(*secret, headers, tampered, at).has_value());
  }
  EXPECT_EQ(matched, kCases);
}

}  // namespace
}  // namespace toq::webhook

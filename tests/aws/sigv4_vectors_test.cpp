// Every case of the SigV4 test suite (aws-c-auth layout, Apache-2.0, vendored under
// testdata/aws-sigv4-test-suite with its LICENSE and NOTICE). Per case directory:
//   context.json            credentials, region, service, timestamp, normalize, sign_body, ...
//   request.txt             the unsigned HTTP request
//   header-*.txt            canonical request, string to sign, signature, signed request (headers)
//   query-*.txt             the same for the presigned (query) variant
// Canonical request, string to sign and signature are compared byte for byte; the signed request
// is compared header by header (header variant) and parameter by parameter (query variant). The
// query variant is then fed back through verify_presigned(), which must accept it.

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/model/time.hpp"

#include "adapter/aws/sigv4.hpp"
#include "adapter/aws/sigv4_verify.hpp"
#include "aws_test_support.hpp"
#include "support/crypto/digest.hpp"
#include "support/manual_clock.hpp"
#include "support/text.hpp"
#include "support/uri.hpp"

namespace toq::aws {
namespace {

using support::parse_query;
using support::sha256_hex;

namespace fs = std::filesystem;
using testing::ManualClock;
using testing::read_file;
using testing::sorted_query;

// The vendored suite has 38 cases; a different count means the copy was damaged or updated.
constexpr std::size_t kExpectedCaseCount = 38;

// Cases allowed to be skipped, each with the reason. Empty: every case must pass.
const std::map<std::string, std::string, std::less<>> kSkippedCases = {};

// verify_presigned() checks requests as S3 receives them, where the session token is always part
// of the canonical query. Cases that sign with the token left out are not its business.
constexpr std::string_view kVerifySkipReason =
    "session token deliberately left out of the signature (omit_session_token)";

struct ParsedRequest {
  RequestToSign request;  // path = raw target path, query decoded
  std::string raw_query;
  std::string body;
};

bool starts_with_space(std::string_view line) {
  return !line.empty() && (line.front() == ' ' || line.front() == '\t');
}

// An HTTP/1.1 request as the suite writes it: "METHOD SP target SP HTTP/1.1", then "Name:value"
// lines where a line starting with whitespace continues the previous value (obs-fold), then an
// empty line and the body. The target may itself contain spaces ("/example space/"), so it runs
// from the first space to the last one. Header values are kept raw (no trimming, folds kept as
// "\n" + the continuation line) so the signer's own whitespace handling is what gets tested.
std::optional<ParsedRequest> parse_request(std::string_view text, std::string& error) {
  ParsedRequest parsed;
  std::size_t pos = 0;
  const auto next_line = [&]() -> std::optional<std::string_view> {
    if (pos >= text.size()) return std::nullopt;
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = end + 1;
    return line;
  };

  const auto request_line = next_line();
  if (!request_line) {
    error = "empty request";
    return std::nullopt;
  }
  const std::size_t first_space = request_line->find(' ');
  const std::size_t last_space = request_line->rfind(' ');
  if (first_space == std::string_view::npos || last_space <= first_space) {
    error = "bad request line: " + std::string{*request_line};
    return std::nullopt;
  }
  parsed.request.method = std::string{request_line->substr(0, first_space)};
  const std::string_view target =
      request_line->substr(first_space + 1, last_space - first_space - 1);
  const std::size_t question = target.find('?');
  parsed.request.path = std::string{target.substr(0, question)};
  if (question != std::string_view::npos) {
    parsed.raw_query = std::string{target.substr(question + 1)};
    parsed.request.query = parse_query(parsed.raw_query);
  }

  while (const auto line = next_line()) {
    if (line->empty()) {
      if (pos < text.size()) parsed.body = std::string{text.substr(pos)};
      break;
    }
    if (starts_with_space(*line)) {
      if (parsed.request.headers.empty()) {
        error = "continuation line before any header";
        return std::nullopt;
      }
      parsed.request.headers.back().second += "\n" + std::string{*line};
      continue;
    }
    const std::size_t colon = line->find(':');
    if (colon == std::string_view::npos || colon == 0) {
      error = "bad header line: " + std::string{*line};
      return std::nullopt;
    }
    parsed.request.headers.emplace_back(std::string{line->substr(0, colon)},
                                        std::string{line->substr(colon + 1)});
  }
  for (const auto& [name, value] : parsed.request.headers) {
    if (support::to_lower(name) == "host") parsed.request.host = value;
  }
  return parsed;
}

// Headers as a sorted list of (lower-case name, raw value): order-insensitive, duplicates kept.
Params header_multiset(const Params& headers) {
  Params out;
  for (const auto& [name, value] : headers) {
    out.emplace_back(support::to_lower(name), value);
  }
  std::ranges::sort(out);
  return out;
}

// Failed assertions so far in the running test: tells whether one case added any.
int failed_parts() {
  const auto* result = ::testing::UnitTest::GetInstance()->current_test_info()->result();
  int failed = 0;
  for (int i = 0; i < result->total_part_count(); ++i) {
    if (result->GetTestPartResult(i).failed()) ++failed;
  }
  return failed;
}

struct CaseFiles {
  fs::path dir;
  std::string file(std::string_view name) const { return read_file(dir / name); }
  bool has(std::string_view name) const { return fs::exists(dir / name); }
};

struct Tally {
  std::size_t cases = 0;
  std::size_t passed = 0;
  std::size_t header_variants = 0;
  std::size_t query_variants = 0;
  std::size_t verified = 0;
  std::vector<std::string> skipped;  // "name: reason"
};

// Returns true when every check of the case passed.
bool run_case(const std::string& name, const CaseFiles& files, Tally& tally) {
  SCOPED_TRACE("case " + name);
  const int failures_before = failed_parts();

  const auto context = nlohmann::json::parse(files.file("context.json"));
  const auto timestamp = core::parse_rfc3339(context.at("timestamp").get<std::string>());
  if (!timestamp) {
    ADD_FAILURE() << "bad timestamp in context.json";
    return false;
  }
  std::string error;
  auto parsed = parse_request(files.file("request.txt"), error);
  if (!parsed) {
    ADD_FAILURE() << "request.txt: " << error;
    return false;
  }
  auto body_hash = sha256_hex(parsed->body);
  if (!body_hash) {
    ADD_FAILURE() << body_hash.error().message;
    return false;
  }
  parsed->request.payload_sha256 = *body_hash;

  const auto& creds = context.at("credentials");
  SignerConfig config;
  config.credentials.access_key_id = creds.at("access_key_id").get<std::string>();
  config.credentials.secret_access_key = creds.at("secret_access_key").get<std::string>();
  if (creds.contains("token"))
    config.credentials.session_token = creds.at("token").get<std::string>();
  config.region = context.at("region").get<std::string>();
  config.service = context.at("service").get<std::string>();
  config.path_rules =
      PathRules{.normalize = context.at("normalize").get<bool>(), .double_encode = true};
  const bool sign_body = context.at("sign_body").get<bool>();
  const bool omit_token = context.value("omit_session_token", false);
  const auto expires = std::chrono::seconds{context.at("expiration_in_seconds").get<int>()};

  ManualClock clock{*timestamp};
  const SigV4Signer signer{config, clock};
  bool any_variant = false;

  if (files.has("header-canonical-request.txt")) {
    any_variant = true;
    ++tally.header_variants;
    SCOPED_TRACE("header variant");
    const auto signed_request = signer.sign_headers(
        parsed->request,
        SignOptions{.add_content_sha256_header = sign_body, .sign_session_token = !omit_token});
    if (!signed_request) {
      ADD_FAILURE() << signed_request.error().message;
    } else {
      EXPECT_EQ(signed_request->details.canonical_request,
                files.file("header-canonical-request.txt"));
      EXPECT_EQ(signed_request->details.string_to_sign, files.file("header-string-to-sign.txt"));
      EXPECT_EQ(signed_request->details.signature, files.file("header-signature.txt"));
      std::string sreq_error;
      const auto expected = parse_request(files.file("header-signed-request.txt"), sreq_error);
      if (!expected) {
        ADD_FAILURE() << "header-signed-request.txt: " << sreq_error;
      } else {
        EXPECT_EQ(header_multiset(signed_request->request.headers),
                  header_multiset(expected->request.headers));
      }
    }
  }

  if (files.has("query-canonical-request.txt")) {
    any_variant = true;
    ++tally.query_variants;
    SCOPED_TRACE("query variant");
    PresignOptions options;
    options.expires = expires;
    options.sign_session_token = !omit_token;
    for (const auto& [header, value] : parsed->request.headers) {
      options.extra_signed_headers.push_back(header);
    }
    const auto presigned = signer.presign(parsed->request, options);
    if (!presigned) {
      ADD_FAILURE() << presigned.error().message;
    } else {
      EXPECT_EQ(presigned->details.canonical_request, files.file("query-canonical-request.txt"));
      EXPECT_EQ(presigned->details.string_to_sign, files.file("query-string-to-sign.txt"));
      EXPECT_EQ(presigned->details.signature, files.file("query-signature.txt"));
      std::string sreq_error;
      const auto expected = parse_request(files.file("query-signed-request.txt"), sreq_error);
      if (!expected) {
        ADD_FAILURE() << "query-signed-request.txt: " << sreq_error;
      } else {
        EXPECT_EQ(presigned->path, expected->request.path);
        EXPECT_EQ(sorted_query(presigned->query), sorted_query(expected->raw_query));

        // The store's side: the signed request must verify, at signing time and just before
        // expiry, and be refused one second after.
        if (omit_token) {
          tally.skipped.push_back(name + " (verify only): " + std::string{kVerifySkipReason});
        } else {
          IncomingRequest incoming{.method = expected->request.method,
                                   .host = expected->request.host,
                                   .raw_path = expected->request.path,
                                   .raw_query = expected->raw_query,
                                   .headers = expected->request.headers,
                                   .payload_sha256 = *body_hash};
          const VerifyConfig verify_config{
              .region = config.region, .service = config.service, .path_rules = config.path_rules};
          const auto lookup = [&](std::string_view key) -> std::optional<Credentials> {
            if (key == config.credentials.access_key_id) return config.credentials;
            return std::nullopt;
          };
          ManualClock verify_clock{*timestamp};
          const auto status_at = [&](core::Timestamp now) {
            verify_clock.set(now);
            const auto verdict = verify_presigned(incoming, verify_config, lookup, verify_clock);
            if (!verdict) return std::string{"error: "} + verdict.error().message;
            return std::string{to_string(verdict->status)} + " " + verdict->detail;
          };
          EXPECT_EQ(status_at(*timestamp), "OK ");
          EXPECT_EQ(status_at(*timestamp + expires), "OK ");
          const std::string late = status_at(*timestamp + expires + std::chrono::seconds{1});
          EXPECT_TRUE(late.starts_with("EXPIRED")) << late;
          if (late.starts_with("EXPIRED")) ++tally.verified;
        }
      }
    }
  }

  if (!any_variant) ADD_FAILURE() << "neither header-* nor query-* expectations present";
  return failed_parts() == failures_before;
}

TEST(SigV4Vectors, EveryCaseOfTheSuite) {
  const fs::path root = fs::path{TOQ_TESTDATA_DIR} / "aws-sigv4-test-suite";
  ASSERT_TRUE(fs::exists(root / "LICENSE")) << "the vendored suite must keep its LICENSE";
  ASSERT_TRUE(fs::exists(root / "NOTICE")) << "the vendored suite must keep its NOTICE";

  std::vector<fs::path> dirs;
  for (const auto& entry : fs::directory_iterator{root / "v4"}) {
    if (entry.is_directory()) dirs.push_back(entry.path());
  }
  std::ranges::sort(dirs);

  Tally tally;
  std::vector<std::string> failed;
  for (const auto& dir : dirs) {
    const std::string name = dir.filename().string();
    ++tally.cases;
    if (const auto skip = kSkippedCases.find(name); skip != kSkippedCases.end()) {
      ASSERT_FALSE(skip->second.empty()) << name << " is skipped without a reason";
      tally.skipped.push_back(name + ": " + skip->second);
      continue;
    }
    bool ok = false;
    try {
      ok = run_case(name, CaseFiles{dir}, tally);
    } catch (const std::exception& e) {
      ADD_FAILURE() << name << ": " << e.what();
    }
    if (ok) {
      ++tally.passed;
    } else {
      failed.push_back(name);
    }
  }
  for (const auto& [name, reason] : kSkippedCases) {
    EXPECT_TRUE(fs::exists(root / "v4" / name))
        << "skip entry for a case that does not exist: " << name;
  }

  std::cout << "[sigv4 vectors] " << tally.passed << "/" << tally.cases << " cases passed ("
            << tally.header_variants << " header variants, " << tally.query_variants
            << " query variants, " << tally.verified << " verified through verify_presigned), "
            << failed.size() << " failed, " << kSkippedCases.size() << " skipped\n";
  for (const auto& line : tally.skipped) std::cout << "[sigv4 vectors] skipped " << line << "\n";
  for (const auto& name : failed) std::cout << "[sigv4 vectors] FAILED " << name << "\n";
  ::testing::Test::RecordProperty("cases_passed", static_cast<int>(tally.passed));

  EXPECT_EQ(tally.cases, kExpectedCaseCount);
  EXPECT_EQ(tally.passed + kSkippedCases.size(), tally.cases);
}

}  // namespace
}  // namespace toq::aws

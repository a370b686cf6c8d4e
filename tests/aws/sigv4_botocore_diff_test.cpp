// Differential test: our presigned S3 URLs against botocore's, for a few hundred deterministic,
// deliberately awkward requests (keys with spaces, unicode, + % ~ / = & ? #, 1000+ byte keys,
// signed Content-Type / Content-Length / x-amz-checksum-sha256, response-content-disposition with
// accents and quotes, UploadPart with partNumber and uploadId, with and without a session token,
// path-style, several endpoints, regions, dates and expiries).
//
// botocore_presign.py runs each case through botocore's generate_presigned_url (pure-Python
// signer, plus the CRT signer when awscrt is installed). Path and query parameters must match
// exactly, encoding included; X-Amz-Signature must match. Every botocore URL must then pass
// verify_presigned(), so the store accepts what real clients produce.
//
// A second test covers the generic (non-S3) rules the S3 cases never reach: path normalisation
// and double encoding, through botocore's SigV4QueryAuth (presign) and SigV4Auth (headers).
//
// Skips (loudly) only when /usr/bin/python3 has no botocore, and fails instead when
// TOQ_REQUIRE_BOTOCORE=1, as CI should set it. TOQ_KEEP_DIFF_FILES=1 keeps the JSON exchanged
// with the script in the test temp dir.

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <unistd.h>

#include "core/model/time.hpp"

#include "adapter/aws/s3_requests.hpp"
#include "adapter/aws/sigv4.hpp"
#include "adapter/aws/sigv4_verify.hpp"
#include "aws_test_support.hpp"
#include "support/crypto/digest.hpp"
#include "support/manual_clock.hpp"
#include "support/shell.hpp"
#include "support/uri.hpp"

namespace toq::aws {
namespace {

using support::parse_query;
using support::sha256;

using toq::testing::run_shell;
using toq::testing::shell_quote;

using testing::ManualClock;
using testing::read_file;
using testing::sorted_raw_pieces;

constexpr std::size_t kCaseCount = 256;
constexpr std::uint32_t kSeed = 20240229;

struct Endpoint {
  std::string_view url;
  std::string_view region;
};
constexpr std::array<Endpoint, 5> kEndpoints = {{
    {"https://s3.us-east-1.amazonaws.com", "us-east-1"},
    {"https://s3.sa-east-1.amazonaws.com", "sa-east-1"},
    {"http://127.0.0.1:9000", "us-east-1"},
    {"http://localhost:4566", "eu-west-1"},
    {"https://storage.toq.example:8443", "eu-central-1"},
}};

constexpr std::array<std::string_view, 4> kBuckets = {"toq-media", "my.dotted.bucket", "b123",
                                                      "listing-photos-prod"};

const std::array<Credentials, 3> kCredentials = {{
    {"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", std::nullopt},
    {"ASIAQTOQMEDIA0000001", "s3cr3t+with/slashes=and==",
     "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD+example/token=="},
    {"AKIDLOCALSTORE", "local-secret", "token with spaces & symbols=+/~"},
}};

constexpr std::array<std::string_view, 6> kTimestamps = {
    "2015-08-30T12:36:00Z", "2024-02-29T23:59:59Z", "2026-11-26T00:00:00Z",
    "2030-12-31T23:59:59Z", "2000-01-01T00:00:00Z", "2019-06-15T07:08:09Z"};

constexpr std::array<std::int64_t, 6> kExpiries = {1, 60, 900, 3600, 86400, 604800};

constexpr std::array<std::string_view, 20> kFixedKeys = {
    "photos/Sala de estar.jpg",
    "ação/çãõ/日本語/🎉.png",
    "a+b=c&d.jpg",
    "100%.jpg",
    "100%25.jpg",
    "%41%42%2F",
    "~user/file~.txt",
    "a//b///c",
    "/leading/slash",
    "trailing/slash/",
    "./dot/../dotdot/.",
    "spaces  double  .txt",
    "semi;colon:at@bang!dollar$quote'paren()star*comma,",
    "brackets[1]{2}<3>|4^5`6\"7\\8",
    "hash#and?question",
    "tab\there",
    "nbsp\u00a0and\u2013dash",
    "listings/42/batch-7/IMG_0001 (1).HEIC",
    "=&=&=",
    "+",
};

constexpr std::array<std::string_view, 34> kKeyPieces = {
    "a",  "Z", "0", "-",  "_", ".", "~", " ", "+", "%", "/", "=", "&", "?", "#", "é",   "ç",
    "日", "🎉", "'", "\"", "(", ")", "!", "*", ",", ";", ":", "@", "$", "[", "]", "%20", "..",
};

constexpr std::array<std::string_view, 6> kDispositions = {
    "attachment; filename=\"Sala de estar.jpg\"; filename*=UTF-8''Sala%20de%20est%C3%A1r.jpg",
    "inline; filename=\"Fachada – frente.jpg\"",
    "attachment; filename=\"a \\\"quoted\\\" name.jpg\"",
    "attachment; filename*=UTF-8''%E6%97%A5%E6%9C%AC.png",
    "attachment; filename=\"Cozinha & área gourmet (2).jpg\"",
    "attachment",
};

constexpr std::array<std::string_view, 5> kContentTypes = {
    "image/jpeg", "video/mp4", "application/octet-stream", "text/plain; charset=utf-8",
    "multipart/form-data; boundary=----toq+boundary"};

enum class Operation : std::uint8_t { kGetObject, kPutObject, kHeadObject, kUploadPart };

struct DiffCase {
  int id = 0;
  Operation operation = Operation::kGetObject;
  Endpoint endpoint;
  std::string bucket;
  std::string key;
  Credentials credentials;
  std::string timestamp;
  std::int64_t expires = 0;
  std::optional<std::string> content_type;
  std::optional<std::int64_t> content_length;
  std::optional<std::string> checksum_sha256;
  std::optional<std::string> response_content_disposition;
  std::optional<std::string> response_content_type;
  std::optional<int> part_number;
  std::optional<std::string> upload_id;
};

std::string_view operation_name(Operation op) {
  switch (op) {
    case Operation::kGetObject: return "get_object";
    case Operation::kPutObject: return "put_object";
    case Operation::kHeadObject: return "head_object";
    case Operation::kUploadPart: return "upload_part";
  }
  return "?";
}

std::string base64(std::span<const unsigned char> bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes.data(),
                                      static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(written));
  return out;
}

// Deterministic on every platform: mt19937's output sequence is fixed by the standard, and only
// its raw output is used (distributions are implementation-defined).
class Picker {
 public:
  explicit Picker(std::uint32_t seed) : rng_(seed) {}
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(rng_()) % n; }
  std::uint64_t below64(std::uint64_t n) {
    const std::uint64_t high = rng_();
    return ((high << 32U) | rng_()) % n;
  }
  bool chance(std::size_t percent) { return below(100) < percent; }
  template <class T, std::size_t N>
  const T& from(const std::array<T, N>& items) {
    return items[below(N)];
  }

 private:
  std::mt19937 rng_;
};

std::string random_key(Picker& pick, std::size_t min_bytes) {
  std::string key;
  const std::size_t pieces = 1 + pick.below(40);
  for (std::size_t i = 0; i < pieces || key.size() < min_bytes; ++i) key += pick.from(kKeyPieces);
  return key;
}

std::vector<DiffCase> generate_cases() {
  Picker pick{kSeed};
  std::vector<DiffCase> cases;
  for (std::size_t i = 0; i < kCaseCount; ++i) {
    DiffCase c;
    c.id = static_cast<int>(i);
    c.operation = static_cast<Operation>(i % 4);
    c.endpoint = pick.from(kEndpoints);
    c.bucket = std::string{pick.from(kBuckets)};
    // Every fixed key at least once, long keys regularly, random keys for the rest.
    if (i < kFixedKeys.size()) {
      c.key = std::string{kFixedKeys[i]};
    } else if (i % 16 == 5) {
      c.key = random_key(pick, 1000 + pick.below(24));  // S3's limit is 1024 bytes
    } else {
      c.key = random_key(pick, 1);
    }
    c.credentials = kCredentials[i % kCredentials.size()];
    c.timestamp = std::string{pick.from(kTimestamps)};
    c.expires = pick.from(kExpiries);

    switch (c.operation) {
      case Operation::kGetObject:
        if (pick.chance(70)) c.response_content_disposition = std::string{pick.from(kDispositions)};
        if (pick.chance(30)) c.response_content_type = std::string{pick.from(kContentTypes)};
        break;
      case Operation::kPutObject:
      case Operation::kUploadPart:
        if (c.operation == Operation::kPutObject && pick.chance(70)) {
          c.content_type = std::string{pick.from(kContentTypes)};
        }
        if (pick.chance(70)) {
          // Up to ~5 GiB: beyond 32 bits on purpose.
          c.content_length = static_cast<std::int64_t>(pick.below64(5'400'000'000ULL));
        }
        if (pick.chance(60)) {
          const auto digest = sha256("part-" + std::to_string(i));
          if (digest) c.checksum_sha256 = base64(*digest);
        }
        if (c.operation == Operation::kUploadPart) {
          c.part_number = 1 + static_cast<int>(pick.below(10000));
          c.upload_id =
              "VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA--" + random_key(pick, 1);
        }
        break;
      case Operation::kHeadObject: break;
    }
    cases.push_back(std::move(c));
  }
  return cases;
}

nlohmann::json to_json(const DiffCase& c) {
  nlohmann::json params = nlohmann::json::object();
  if (c.content_type) params["ContentType"] = *c.content_type;
  if (c.content_length) params["ContentLength"] = *c.content_length;
  if (c.checksum_sha256) params["ChecksumSHA256"] = *c.checksum_sha256;
  if (c.response_content_disposition) {
    params["ResponseContentDisposition"] = *c.response_content_disposition;
  }
  if (c.response_content_type) params["ResponseContentType"] = *c.response_content_type;
  if (c.part_number) params["PartNumber"] = *c.part_number;
  if (c.upload_id) params["UploadId"] = *c.upload_id;
  nlohmann::json out = {
      {"id", c.id},
      {"operation", operation_name(c.operation)},
      {"endpoint_url", c.endpoint.url},
      {"region", c.endpoint.region},
      {"bucket", c.bucket},
      {"key", c.key},
      {"access_key", c.credentials.access_key_id},
      {"secret_key", c.credentials.secret_access_key},
      {"session_token", nullptr},
      {"timestamp", c.timestamp},
      {"expires", c.expires},
      {"params", params},
  };
  if (c.credentials.session_token) out["session_token"] = *c.credentials.session_token;
  return out;
}

// The request botocore's S3 model builds for each operation, as our own transport would.
RequestToSign to_request(const DiffCase& c, std::vector<std::string>& signed_header_names) {
  RequestToSign request;
  switch (c.operation) {
    case Operation::kGetObject: request.method = "GET"; break;
    case Operation::kPutObject:
    case Operation::kUploadPart: request.method = "PUT"; break;
    case Operation::kHeadObject: request.method = "HEAD"; break;
  }
  const std::string_view url = c.endpoint.url;
  request.host = std::string{url.substr(url.find("://") + 3)};
  request.path = s3_object_path(c.bucket, c.key);
  if (c.part_number) request.query.emplace_back("partNumber", std::to_string(*c.part_number));
  if (c.upload_id) request.query.emplace_back("uploadId", *c.upload_id);
  if (c.response_content_disposition) {
    request.query.emplace_back("response-content-disposition", *c.response_content_disposition);
  }
  if (c.response_content_type) {
    request.query.emplace_back("response-content-type", *c.response_content_type);
  }
  const auto add_header = [&](std::string name, std::string value) {
    signed_header_names.push_back(name);
    request.headers.emplace_back(std::move(name), std::move(value));
  };
  if (c.content_type) add_header("Content-Type", *c.content_type);
  if (c.content_length) add_header("Content-Length", std::to_string(*c.content_length));
  if (c.checksum_sha256) add_header("x-amz-checksum-sha256", *c.checksum_sha256);
  return request;
}

struct SplitUrl {
  std::string scheme_host;
  std::string path;
  std::string query;
};

SplitUrl split_url(std::string_view url) {
  SplitUrl out;
  const std::size_t authority = url.find("://") + 3;
  const std::size_t path_start = url.find('/', authority);
  const std::size_t question = url.find('?', path_start);
  out.scheme_host = std::string{url.substr(0, path_start)};
  out.path = std::string{url.substr(path_start, question - path_start)};
  if (question != std::string_view::npos) out.query = std::string{url.substr(question + 1)};
  return out;
}

std::string query_param(std::string_view raw_query, std::string_view name) {
  for (const auto& [key, value] : parse_query(raw_query)) {
    if (key == name) return value;
  }
  return {};
}

bool system_python_has_botocore() {
  const std::string command =
      shell_quote(TOQ_SYSTEM_PYTHON) + " -c 'import botocore' >/dev/null 2>&1";
  return run_shell(command) == 0;
}

// Empty when botocore can be used, else why not. When TOQ_REQUIRE_BOTOCORE=1 (CI) a missing
// botocore is also a test failure, so the skip cannot go unnoticed.
std::string botocore_unavailable() {
  if (system_python_has_botocore()) return {};
  const std::string reason = std::string{TOQ_SYSTEM_PYTHON} +
                             " cannot import botocore (install python3-botocore); the "
                             "differential test did not run";
  const char* require = std::getenv("TOQ_REQUIRE_BOTOCORE");
  if (require != nullptr && std::string_view{require} == "1") {
    ADD_FAILURE() << reason << ", and TOQ_REQUIRE_BOTOCORE=1 demands it";
  }
  std::cout << "[botocore diff] SKIPPED: " << reason << "\n";
  return reason;
}

// Runs botocore_presign.py over `cases`: the parsed output, or a test failure and nullopt.
// TOQ_KEEP_DIFF_FILES=1 keeps the exchanged JSON in the test temp dir, for debugging.
std::optional<nlohmann::json> run_botocore(const nlohmann::json& cases, std::string_view label) {
  const std::filesystem::path dir = ::testing::TempDir();
  const std::string stem = "toq_botocore_" + std::string{label} + "_" + std::to_string(::getpid());
  const auto in_path = dir / (stem + ".in.json");
  const auto out_path = dir / (stem + ".out.json");
  const auto err_path = dir / (stem + ".err.txt");
  {
    std::ofstream in{in_path, std::ios::binary};
    in << nlohmann::json{{"cases", cases}}.dump();
    if (!in) {
      ADD_FAILURE() << "cannot write " << in_path;
      return std::nullopt;
    }
  }
  const std::string command =
      shell_quote(TOQ_SYSTEM_PYTHON) + " " + shell_quote(TOQ_BOTOCORE_SCRIPT) + " < " +
      shell_quote(in_path.string()) + " > " + shell_quote(out_path.string()) + " 2> " +
      shell_quote(err_path.string());
  if (run_shell(command) != 0) {
    ADD_FAILURE() << "botocore_presign.py failed:\n" << read_file(err_path);
    return std::nullopt;
  }
  auto output = nlohmann::json::parse(read_file(out_path));
  if (std::getenv("TOQ_KEEP_DIFF_FILES") == nullptr) {
    std::filesystem::remove(in_path);
    std::filesystem::remove(out_path);
    std::filesystem::remove(err_path);
  }
  if (output.at("results").size() != cases.size() || output.at("signers").empty()) {
    ADD_FAILURE() << "botocore_presign.py returned " << output.at("results").size()
                  << " results for " << cases.size() << " cases";
    return std::nullopt;
  }
  return output;
}

// Compares one of our presigned URLs with botocore's: same scheme and host, same path string,
// same set of raw "name=value" query pieces (so the encoding itself must agree) and the same
// signature. Prints the first few differences in full.
bool same_url(const PresignedUrl& ours, const std::string& theirs_url, std::size_t& dumps) {
  const SplitUrl mine = split_url(ours.url);
  const SplitUrl theirs = split_url(theirs_url);
  EXPECT_EQ(mine.scheme_host, theirs.scheme_host);
  EXPECT_EQ(mine.path, theirs.path);
  EXPECT_EQ(sorted_raw_pieces(mine.query), sorted_raw_pieces(theirs.query));
  EXPECT_EQ(ours.details.signature, query_param(theirs.query, "X-Amz-Signature"));
  const bool same = mine.scheme_host == theirs.scheme_host && mine.path == theirs.path &&
                    sorted_raw_pieces(mine.query) == sorted_raw_pieces(theirs.query) &&
                    ours.details.signature == query_param(theirs.query, "X-Amz-Signature");
  if (!same && dumps++ < 3) {
    std::cout << "[botocore diff] mismatch\n ours:     " << ours.url
              << "\n botocore: " << theirs_url << "\n our canonical request:\n"
              << ours.details.canonical_request << "\n";
  }
  return same;
}

void print_summary(std::string_view what, std::size_t matched_cases, std::size_t total,
                   const nlohmann::json& output,
                   const std::map<std::string, std::size_t>& per_signer, std::string_view extra) {
  const auto signers = output.at("signers").get<std::vector<std::string>>();
  std::cout << "[botocore diff] " << what << ": " << matched_cases << "/" << total
            << " cases matched botocore " << output.at("botocore_version").get<std::string>()
            << " (";
  for (std::size_t i = 0; i < signers.size(); ++i) {
    const auto it = per_signer.find(signers[i]);
    std::cout << (i == 0 ? "" : ", ") << signers[i]
              << " signer: " << (it == per_signer.end() ? 0 : it->second) << "/" << total;
  }
  std::cout << ")" << extra << "\n";
  if (signers.size() == 1) {
    std::cout << "[botocore diff] note: awscrt is not installed, so only botocore's Python "
                 "signer was compared\n";
  }
}

TEST(BotocoreDiff, PresignedS3UrlsMatchBotocore) {
  if (const std::string reason = botocore_unavailable(); !reason.empty()) GTEST_SKIP() << reason;

  const std::vector<DiffCase> cases = generate_cases();
  nlohmann::json input = nlohmann::json::array();
  for (const auto& c : cases) input.push_back(to_json(c));
  const auto output = run_botocore(input, "s3");
  ASSERT_TRUE(output.has_value());
  const auto& results = output->at("results");
  const auto signers = output->at("signers").get<std::vector<std::string>>();

  std::map<std::string, std::size_t> matched;  // per botocore signer
  std::size_t verified = 0;
  std::size_t cases_matched = 0;
  std::size_t dumps = 0;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const DiffCase& c = cases[i];
    const auto& result = results[i];
    SCOPED_TRACE("case " + std::to_string(c.id) + " " + std::string{operation_name(c.operation)} +
                 " key=" + c.key.substr(0, 80));
    ASSERT_EQ(result.at("id").get<int>(), c.id);
    if (result.contains("error")) {
      ADD_FAILURE() << "botocore: " << result.at("error").get<std::string>();
      continue;
    }

    const auto at = core::parse_rfc3339(c.timestamp);
    ASSERT_TRUE(at.has_value());
    ManualClock clock{*at};
    SignerConfig config;
    config.credentials = c.credentials;
    config.region = std::string{c.endpoint.region};
    config.service = "s3";
    const SigV4Signer signer{config, clock};
    PresignOptions options;
    options.expires = std::chrono::seconds{c.expires};
    options.scheme = std::string{c.endpoint.url.substr(0, c.endpoint.url.find("://"))};
    const RequestToSign request = to_request(c, options.extra_signed_headers);
    const auto ours = signer.presign(request, options);
    ASSERT_TRUE(ours.has_value()) << ours.error().message;

    bool all_signers_match = true;
    for (const auto& signer_name : signers) {
      SCOPED_TRACE("botocore signer " + signer_name);
      const std::string url = result.at("urls").at(signer_name).get<std::string>();
      if (same_url(*ours, url, dumps)) {
        ++matched[signer_name];
      } else {
        all_signers_match = false;
      }

      // The store must accept what botocore produced, with the headers a client would send.
      const SplitUrl theirs = split_url(url);
      IncomingRequest incoming;
      incoming.method = request.method;
      incoming.host = request.host;
      incoming.raw_path = theirs.path;
      incoming.raw_query = theirs.query;
      incoming.headers = request.headers;
      incoming.headers.emplace_back("Host", request.host);
      incoming.headers.emplace_back("User-Agent", "curl/8.0");  // unsigned noise is fine
      VerifyConfig verify_config;
      verify_config.region = config.region;
      verify_config.service = "s3";
      const auto lookup = [&](std::string_view key) -> std::optional<Credentials> {
        if (key == c.credentials.access_key_id) return c.credentials;
        return std::nullopt;
      };
      const ManualClock later{*at + std::chrono::seconds{1} - std::chrono::milliseconds{1}};
      const auto verdict = verify_presigned(incoming, verify_config, lookup, later);
      ASSERT_TRUE(verdict.has_value()) << verdict.error().message;
      EXPECT_EQ(verdict->status, VerifyStatus::kOk) << verdict->detail;
      if (verdict->ok() && signer_name == signers.front()) ++verified;
    }
    if (all_signers_match) ++cases_matched;
  }

  print_summary("S3 presign", cases_matched, cases.size(), *output, matched,
                "; " + std::to_string(verified) + " botocore URLs accepted by verify_presigned");
  EXPECT_GE(cases.size(), 200U);
  EXPECT_EQ(cases_matched, cases.size());
  EXPECT_EQ(verified, cases.size());
}

// ---- Generic (non-S3) services: path normalisation and double encoding ----

struct GenericCase {
  int id = 0;
  std::string service;
  std::string region;
  RequestToSign request;  // path is a wire path; query decoded
  Credentials credentials;
  std::string timestamp;
  std::int64_t expires = 0;
};

constexpr std::size_t kGenericCaseCount = 96;

// Wire-path segments: already-encoded bytes (%20, %2F, %25, UTF-8), dot segments and empties
// are exactly what normalisation and double encoding act on.
constexpr std::array<std::string_view, 18> kPathSegments = {
    "a",   "b%20c", "%2F", "..",    ".",     "",           "~x",  "%E2%82%AC", "d+e",
    "f=g", "%25",   "h@i", "UPPER", "x%2ey", "semi;colon", "%7E", "j:k",       "%C3%A1rvore"};
constexpr std::array<std::string_view, 8> kQueryNames = {"Action", "Version", "a b",     "ü",
                                                         "x/y",    "empty",   "Param-3", "~tilde"};
constexpr std::array<std::string_view, 7> kQueryValues = {
    "DescribeThings", "2012-10-17", "", "x y+z", "100%", "a/b=c&d", "ção"};

std::vector<GenericCase> generate_generic_cases() {
  static constexpr std::array<std::string_view, 4> kServices = {"service", "execute-api", "sts",
                                                                "dynamodb"};
  static constexpr std::array<std::string_view, 3> kRegions = {"us-east-1", "sa-east-1",
                                                               "eu-west-1"};
  static constexpr std::array<std::string_view, 4> kMethods = {"GET", "POST", "PUT", "DELETE"};
  static constexpr std::array<std::string_view, 3> kHosts = {
      "example.amazonaws.com", "abc123.execute-api.sa-east-1.amazonaws.com", "127.0.0.1:8080"};
  Picker pick{kSeed + 1};
  std::vector<GenericCase> cases;
  for (std::size_t i = 0; i < kGenericCaseCount; ++i) {
    GenericCase c;
    c.id = static_cast<int>(i);
    c.service = std::string{pick.from(kServices)};
    c.region = std::string{pick.from(kRegions)};
    c.credentials = kCredentials[i % kCredentials.size()];
    c.timestamp = std::string{pick.from(kTimestamps)};
    c.expires = pick.from(kExpiries);
    c.request.method = std::string{pick.from(kMethods)};
    c.request.host = std::string{pick.from(kHosts)};
    const std::size_t segments = pick.below(7);
    for (std::size_t s = 0; s < segments; ++s) {
      c.request.path += "/" + std::string{pick.from(kPathSegments)};
    }
    if (c.request.path.empty() || pick.chance(25)) c.request.path += "/";
    // Unique names: botocore's presigner folds repeated names into one (parse_qs).
    for (std::size_t q = pick.below(4); q > 0; --q) {
      const std::string name{pick.from(kQueryNames)};
      const bool taken = std::ranges::any_of(
          c.request.query, [&](const auto& param) { return param.first == name; });
      if (!taken) c.request.query.emplace_back(name, std::string{pick.from(kQueryValues)});
    }
    if (pick.chance(50)) c.request.headers.emplace_back("X-Amz-Target", "Service.Operation_1");
    if (pick.chance(40)) {
      c.request.headers.emplace_back("Content-Type", "application/x-amz-json-1.0");
    }
    if (pick.chance(40)) {
      c.request.headers.emplace_back("My-Header", "  spaced   out\tvalue  ");
      if (pick.chance(50)) c.request.headers.emplace_back("my-header", "second");
    }
    cases.push_back(std::move(c));
  }
  return cases;
}

nlohmann::json to_json(const GenericCase& c) {
  nlohmann::json query = nlohmann::json::array();
  for (const auto& [name, value] : c.request.query) query.push_back({name, value});
  nlohmann::json headers = nlohmann::json::array();
  for (const auto& [name, value] : c.request.headers) headers.push_back({name, value});
  nlohmann::json out = {
      {"id", c.id},
      {"kind", "raw"},
      {"service", c.service},
      {"region", c.region},
      {"method", c.request.method},
      {"scheme", "https"},
      {"host", c.request.host},
      {"path", c.request.path},
      {"query", query},
      {"headers", headers},
      {"access_key", c.credentials.access_key_id},
      {"secret_key", c.credentials.secret_access_key},
      {"session_token", nullptr},
      {"timestamp", c.timestamp},
      {"expires", c.expires},
  };
  if (c.credentials.session_token) out["session_token"] = *c.credentials.session_token;
  return out;
}

TEST(BotocoreDiff, GenericServiceSigningMatchesBotocore) {
  if (const std::string reason = botocore_unavailable(); !reason.empty()) GTEST_SKIP() << reason;

  const std::vector<GenericCase> cases = generate_generic_cases();
  nlohmann::json input = nlohmann::json::array();
  for (const auto& c : cases) input.push_back(to_json(c));
  const auto output = run_botocore(input, "generic");
  ASSERT_TRUE(output.has_value());
  const auto& results = output->at("results");
  const auto signers = output->at("signers").get<std::vector<std::string>>();

  std::map<std::string, std::size_t> matched;
  std::size_t cases_matched = 0;
  std::size_t dumps = 0;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const GenericCase& c = cases[i];
    const auto& result = results[i];
    SCOPED_TRACE("generic case " + std::to_string(c.id) + " " + c.request.method + " " +
                 c.request.path);
    ASSERT_EQ(result.at("id").get<int>(), c.id);
    if (result.contains("error")) {
      ADD_FAILURE() << "botocore: " << result.at("error").get<std::string>();
      continue;
    }
    const auto at = core::parse_rfc3339(c.timestamp);
    ASSERT_TRUE(at.has_value());
    const ManualClock clock{*at};
    SignerConfig config;
    config.credentials = c.credentials;
    config.region = c.region;
    config.service = c.service;
    const SigV4Signer signer{config, clock};

    PresignOptions options;
    options.expires = std::chrono::seconds{c.expires};
    for (const auto& [name, value] : c.request.headers)
      options.extra_signed_headers.push_back(name);
    const auto presigned = signer.presign(c.request, options);
    ASSERT_TRUE(presigned.has_value()) << presigned.error().message;
    const auto header_signed = signer.sign_headers(c.request);
    ASSERT_TRUE(header_signed.has_value()) << header_signed.error().message;
    std::string authorization;
    for (const auto& [name, value] : header_signed->request.headers) {
      if (name == "Authorization") authorization = value;
    }

    bool all_match = true;
    for (const auto& signer_name : signers) {
      SCOPED_TRACE("botocore signer " + signer_name);
      const bool url_same =
          same_url(*presigned, result.at("urls").at(signer_name).get<std::string>(), dumps);
      const std::string theirs = result.at("authorizations").at(signer_name).get<std::string>();
      EXPECT_EQ(authorization, theirs) << header_signed->details.canonical_request;
      if (url_same && authorization == theirs) {
        ++matched[signer_name];
      } else {
        all_match = false;
      }
    }
    if (all_match) ++cases_matched;
  }
  print_summary("generic-service presign + header signing", cases_matched, cases.size(), *output,
                matched, "");
  EXPECT_EQ(cases_matched, cases.size());
}

}  // namespace
}  // namespace toq::aws

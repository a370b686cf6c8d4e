// SigV4: the canonicaliser (path, query, headers of any bytes) and the presigned-URL verifier of
// the embedded store. Invariants: nothing crashes; a request the signer produced verifies; the
// same request with any byte of its query changed never verifies as signed by the key.

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "adapter/aws/sigv4_canonical.hpp"
#include "adapter/aws/sigv4_verify.hpp"
#include "fuzz_check.hpp"
#include "support/uri.hpp"

namespace {

using namespace toq;

class FixedClock final : public core::Clock {
 public:
  core::Timestamp now() const override {
    return core::Timestamp{std::chrono::milliseconds{1768471200000}};  // 2026-01-15T10:00:00Z
  }
};

// Splits the input into fields at '\n': method, path, query, then header lines "name:value".
std::vector<std::string_view> fields(std::string_view in) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start <= in.size() && out.size() < 12) {
    const auto nl = in.find('\n', start);
    out.push_back(in.substr(start, nl == std::string_view::npos ? in.npos : nl - start));
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const auto f = fields(in);
  const auto at = [&](std::size_t i) { return i < f.size() ? f[i] : std::string_view{}; };
  static const FixedClock clock;

  // The canonicaliser on arbitrary input, both path rules.
  aws::RequestToSign request;
  request.method = std::string{at(0)};
  request.host = "media.example:8080";
  request.path = std::string{at(1)};
  request.query = support::parse_query(at(2));
  for (std::size_t i = 3; i < f.size(); ++i) {
    const auto colon = f[i].find(':');
    if (colon == std::string_view::npos) continue;
    request.headers.emplace_back(std::string{f[i].substr(0, colon)},
                                 std::string{f[i].substr(colon + 1)});
  }
  (void)aws::canonical_path(request.path, {true, true});
  (void)aws::canonical_path(request.path, {false, false});
  (void)aws::canonical_query(request.query);
  // Every header signed, as a signer would list them: lower-case, sorted, unique, with host.
  std::vector<std::string> signed_names{"host"};
  for (const auto& [name, value] : request.headers) {
    std::string lower = name;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    signed_names.push_back(std::move(lower));
  }
  std::ranges::sort(signed_names);
  signed_names.erase(std::ranges::unique(signed_names).begin(), signed_names.end());
  (void)aws::build_canonical_request(request, signed_names, aws::default_path_rules("s3"));

  // The verifier on the same bytes taken as an incoming presigned request.
  const aws::Credentials credentials{"TOQLOCALTESTKEY", "a-local-secret-for-tests", std::nullopt};
  const aws::CredentialLookup lookup = [&](std::string_view id) -> std::optional<aws::Credentials> {
    if (id == credentials.access_key_id) return credentials;
    return std::nullopt;
  };
  aws::IncomingRequest incoming;
  incoming.method = request.method;
  incoming.host = "media.example:8080";
  incoming.raw_path = std::string{at(1)};
  incoming.raw_query = std::string{at(2)};
  incoming.headers = request.headers;
  const aws::VerifyConfig config{"local", "s3", std::chrono::seconds{900}, std::nullopt};
  auto verdict = aws::verify_presigned(incoming, config, lookup, clock);
  TOQ_FUZZ_CHECK(verdict.has_value());
  // Nobody but the key's owner signs: random input never carries a valid signature.
  TOQ_FUZZ_CHECK(!verdict->ok());
  return 0;
}

#include "adapter/aws/sigv4_canonical.hpp"

#include <algorithm>
#include <span>
#include <utility>

#include <fmt/format.h>
#include <openssl/crypto.h>

#include "support/crypto/hmac.hpp"
#include "support/hex.hpp"
#include "support/http_syntax.hpp"
#include "support/text.hpp"
#include "support/utc_time.hpp"

namespace toq::aws {

namespace {

using core::ErrorCode;
using support::iequals;
using support::Slash;

bool is_space(char c) {
  return support::kAsciiWhitespace.find(c) != std::string_view::npos;
}

}  // namespace

bool is_s3_service(std::string_view service) {
  return service == "s3" || service == "s3-object-lambda" || service == "s3express";
}

PathRules default_path_rules(std::string_view service) {
  if (is_s3_service(service)) return PathRules{.normalize = false, .double_encode = false};
  return PathRules{.normalize = true, .double_encode = true};
}

std::string format_amz_date(core::Timestamp at) {
  return support::format_basic_iso8601(at);
}

std::optional<core::Timestamp> parse_amz_date(std::string_view text) {
  auto at = support::parse_basic_iso8601(text);
  if (!at) return std::nullopt;
  return core::Timestamp{*at};
}

// ---- SigningKeyCache ----

Result<Sha256Digest> derive_signing_key(std::string_view secret_access_key,
                                        const SigningKeyCache::Scope& scope) {
  const std::string seed = fmt::format("AWS4{}", secret_access_key);
  auto k_date = support::hmac_sha256(
      std::span{reinterpret_cast<const unsigned char*>(seed.data()), seed.size()}, scope.date);
  if (!k_date) return k_date;
  auto k_region = support::hmac_sha256(*k_date, scope.region);
  if (!k_region) return k_region;
  auto k_service = support::hmac_sha256(*k_region, scope.service);
  if (!k_service) return k_service;
  return support::hmac_sha256(*k_service, kScopeTerminator);
}

SigningKeyCache::~SigningKeyCache() {
  for (auto& [scope, key] : keys_) OPENSSL_cleanse(key.data(), key.size());
}

Result<Sha256Digest> SigningKeyCache::get(std::string_view secret_access_key, const Scope& scope) {
  // '\n' cannot occur in a date, region or service, so the joined key is unambiguous.
  const std::string cache_key =
      fmt::format("{}\n{}\n{}\n{}", scope.date, scope.region, scope.service, secret_access_key);
  const std::lock_guard lock{mutex_};
  if (const auto it = keys_.find(cache_key); it != keys_.end()) return it->second;
  auto key = derive_signing_key(secret_access_key, scope);
  if (!key) return key;
  ++derivations_;
  if (keys_.size() >= capacity_) keys_.clear();
  keys_.emplace(cache_key, *key);
  return key;
}

std::size_t SigningKeyCache::derivations() const {
  const std::lock_guard lock{mutex_};
  return derivations_;
}

// ---- The steps of one signature ----

std::string canonical_path(std::string_view wire_path, const PathRules& rules) {
  std::string path = rules.double_encode ? std::string{wire_path} : support::uri_decode(wire_path);
  if (rules.normalize) path = support::normalize_path(path);
  if (path.empty()) path = "/";
  return support::uri_encode(path, Slash::kKeep);
}

std::string canonical_query(const Params& query) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(query.size());
  for (const auto& [name, value] : query) {
    encoded.emplace_back(support::uri_encode(name, Slash::kEncode),
                         support::uri_encode(value, Slash::kEncode));
  }
  // Byte order of the encoded names, then of the encoded values for repeated names.
  std::ranges::sort(encoded);
  std::string out;
  for (const auto& [name, value] : encoded) {
    if (!out.empty()) out.push_back('&');
    out += name;
    out.push_back('=');
    out += value;
  }
  return out;
}

// The canonical request, given lower-case, sorted, unique signed header names.
Result<std::string> build_canonical_request(const RequestToSign& request,
                                            const std::vector<std::string>& signed_names,
                                            const PathRules& rules) {
  if (!support::is_token(request.method)) {
    return core::fail(ErrorCode::kInvalidRequest,
                      fmt::format("invalid HTTP method '{}'", request.method));
  }
  const std::string_view payload =
      request.payload_sha256.empty() ? kEmptyPayloadSha256 : request.payload_sha256;
  if (std::ranges::any_of(payload, [](char c) { return is_space(c) || c == '\0'; })) {
    return core::fail(ErrorCode::kInvalidRequest, "payload hash contains whitespace");
  }

  std::string headers_block;
  for (const auto& name : signed_names) {
    std::string joined;
    bool found = false;
    for (const auto& [header, value] : request.headers) {
      if (!iequals(header, name)) continue;
      if (found) joined.push_back(',');
      joined += trim_all(value);
      found = true;
    }
    if (!found && name == "host" && !request.host.empty()) {
      joined = trim_all(request.host);
      found = true;
    }
    if (!found) {
      return core::fail(ErrorCode::kInvalidRequest,
                        fmt::format("header '{}' is to be signed but the request lacks it", name));
    }
    headers_block += name;
    headers_block.push_back(':');
    headers_block += joined;
    headers_block.push_back('\n');
  }

  std::string out;
  out.reserve(256 + request.path.size() * 3 + headers_block.size());
  out += request.method;
  out.push_back('\n');
  out += canonical_path(request.path, rules);
  out.push_back('\n');
  out += canonical_query(request.query);
  out.push_back('\n');
  out += headers_block;
  out.push_back('\n');
  out += join(signed_names, ';');
  out.push_back('\n');
  out += payload;
  return out;
}

std::string build_scope(std::string_view amz_date, std::string_view region,
                        std::string_view service) {
  return fmt::format("{}/{}/{}/{}", amz_date.substr(0, 8), region, service, kScopeTerminator);
}

Result<std::string> build_string_to_sign(std::string_view amz_date, std::string_view scope,
                                         std::string_view canonical_request) {
  auto hash = support::sha256_hex(canonical_request);
  if (!hash) return std::unexpected(std::move(hash.error()));
  return fmt::format("{}\n{}\n{}\n{}", kAlgorithm, amz_date, scope, *hash);
}

Result<std::string> compute_signature(const Sha256Digest& key, std::string_view string_to_sign) {
  auto mac = support::hmac_sha256(key, string_to_sign);
  if (!mac) return std::unexpected(std::move(mac.error()));
  return support::hex_lower(*mac);
}

// ---- Shared helpers ----

// Folded (multi-line) values collapse the same way, as botocore's ' '.join(value.split()) does.
std::string trim_all(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  bool pending_space = false;
  for (const char c : value) {
    if (is_space(c)) {
      pending_space = !out.empty();
    } else {
      if (pending_space) out.push_back(' ');
      pending_space = false;
      out.push_back(c);
    }
  }
  return out;
}

bool has_header(const Params& headers, std::string_view name) {
  return std::ranges::any_of(headers,
                             [&](const auto& header) { return iequals(header.first, name); });
}

std::string join(const std::vector<std::string>& parts, char separator) {
  std::string out;
  for (const auto& part : parts) {
    if (!out.empty()) out.push_back(separator);
    out += part;
  }
  return out;
}

}  // namespace toq::aws

// The embedded store's presigned URLs, signer and verifier together on keys of any bytes: a URL
// the store signed verifies, and the same signature presented for another key (one byte of the
// key changed, at a place and to a value the fuzzer picks) never does.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "adapter/storage/store_sigv4.hpp"
#include "fuzz_check.hpp"
#include "support/uri.hpp"

namespace {

using namespace toq;
using namespace std::chrono_literals;

class FixedClock final : public core::Clock {
 public:
  core::Timestamp now() const override {
    return core::Timestamp{std::chrono::milliseconds{1768471200000}};  // 2026-01-15T10:00:00Z
  }
};

storage::StorageRequest request_for(const std::string& url) {
  storage::StorageRequest request;
  request.method = "GET";
  const auto path_start = url.find("/storage/");
  const auto q = url.find('?', path_start);
  request.raw_path = url.substr(path_start, q - path_start);
  request.raw_query = q == std::string::npos ? std::string{} : url.substr(q + 1);
  request.headers = {{"Host", "media.example:8080"}};
  return request;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 3) return 0;
  static const FixedClock clock;
  static const storage::StoreSigV4 signer(
      storage::AccessKey{"TOQLOCALTESTKEY", "a-local-secret-for-tests"}, "local",
      storage::BaseUrl{"http", "media.example:8080"}, clock);
  const std::size_t where = data[0];
  const char replacement = static_cast<char>(data[1]);
  const std::string key(reinterpret_cast<const char*>(data + 2), size - 2);

  const auto url_for = [&](const std::string& k) {
    return signer.presign(storage::UrlToSign{
        "GET", "/storage/" + support::uri_encode(k, support::Slash::kKeep), {}, {}, {}, 600s});
  };
  auto signed_url = url_for(key);
  if (!signed_url) return 0;  // a key the signer refuses
  const auto request = request_for(signed_url->url);
  auto verdict = signer.check(request, 900s);
  TOQ_FUZZ_CHECK(verdict.has_value());
  TOQ_FUZZ_CHECK(!verdict->has_value());  // its own URL verifies

  std::string other = key;
  const std::size_t at = where % other.size();
  if (other[at] == replacement) return 0;
  other[at] = replacement;
  auto other_url = url_for(other);
  if (!other_url) return 0;
  auto forged = request_for(other_url->url);
  forged.raw_query = request.raw_query;               // the first key's signature on the second key
  if (forged.raw_path == request.raw_path) return 0;  // the same resource after encoding
  auto refused = signer.check(forged, 900s);
  TOQ_FUZZ_CHECK(refused.has_value());
  TOQ_FUZZ_CHECK(refused->has_value());  // never accepted
  return 0;
}

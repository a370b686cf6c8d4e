#pragma once
// Shared pieces of the embedded-store tests: a pinned "now" for support/manual_clock.hpp, the
// store's access key (as the SigV4 code signs with it), a store on a temp dir, a directory
// listing to prove that nothing was left behind, the handler's request for a presigned URL, and
// reproducible pseudo-random bytes.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/model/time.hpp"

#include "adapter/aws/sigv4_canonical.hpp"
#include "adapter/storage/local_object_store.hpp"
#include "adapter/storage/storage_messages.hpp"
#include "support/manual_clock.hpp"
#include "support/temp_dir.hpp"

namespace toq::testing {

// 2026-01-15T10:00:00Z: a fixed "now" so signatures and expiry are reproducible.
inline core::Timestamp pinned_now() {
  using namespace std::chrono;
  return core::Timestamp{sys_days{year{2026} / January / 15} + hours{10}};
}

inline const aws::Credentials& local_credentials() {
  static const aws::Credentials kCredentials{"TOQLOCALTESTKEY", "a-local-secret-for-tests",
                                             std::nullopt};
  return kCredentials;
}

inline std::unique_ptr<storage::LocalObjectStore> open_local_store(
    const std::filesystem::path& root, const std::string& base_url, const core::Clock& clock,
    std::int64_t min_part_size = 5 * 1024 * 1024) {
  storage::LocalStoreOptions options;
  options.root = root;
  options.public_base_url = base_url;
  options.credentials = {local_credentials().access_key_id, local_credentials().secret_access_key};
  options.min_part_size = min_part_size;
  auto store = storage::LocalObjectStore::open(options, clock);
  if (!store) throw std::runtime_error(store.error().message);
  return std::move(*store);
}

// Every regular file under `dir` (recursively), as paths relative to it.
inline std::vector<std::string> files_under(const std::filesystem::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (std::filesystem::recursive_directory_iterator it{dir, ec}, end; !ec && it != end;
       it.increment(ec)) {
    if (it->is_regular_file()) out.push_back(std::filesystem::relative(it->path(), dir).string());
  }
  return out;
}

// The request the store's handler gets when a client follows a presigned URL (method, url and
// headers as signed) to `host`; `request_id` as the server would have given it.
inline storage::StorageRequest storage_request_for(
    const std::string& method, const std::string& url,
    const std::vector<std::pair<std::string, std::string>>& headers, const std::string& host,
    std::string request_id = {}) {
  storage::StorageRequest req;
  req.method = method;
  const auto path_start = url.find("/storage/");
  const auto q = url.find('?');
  req.raw_path = url.substr(path_start, q - path_start);
  req.raw_query = q == std::string::npos ? std::string{} : url.substr(q + 1);
  req.headers = {{"Host", host}};
  for (const auto& h : headers) req.headers.push_back(h);
  req.request_id = std::move(request_id);
  return req;
}

// `size` pseudo-random bytes, the same for the same seed.
inline std::string noise_bytes(std::size_t size, unsigned seed) {
  std::string s(size, '\0');
  std::uint32_t x = seed * 2654435761U + 1U;
  for (auto& c : s) {
    x = x * 1664525U + 1013904223U;
    c = static_cast<char>(x >> 24);
  }
  return s;
}

}  // namespace toq::testing

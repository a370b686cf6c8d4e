#include "adapter/web/static_files.hpp"

#include <array>
#include <fstream>
#include <iterator>
#include <system_error>

#include <fmt/format.h>

namespace toq::web {
namespace {

namespace fs = std::filesystem;

constexpr std::uintmax_t kMaxFileBytes = 64ULL * 1024 * 1024;

bool safe_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

// "/ui/upload/" -> "ui/upload"; nullopt-like empty result with ok=false for anything unsafe.
bool relative_path(std::string_view path, std::string& out) {
  if (path.empty() || path.front() != '/') return false;
  path.remove_prefix(1);
  if (!path.empty() && path.back() == '/') path.remove_suffix(1);
  out.clear();
  while (!path.empty()) {
    const auto slash = path.find('/');
    const auto segment = path.substr(0, slash);
    if (segment.empty() || segment.front() == '.') return false;
    for (const char c : segment) {
      if (!safe_char(c)) return false;
    }
    if (!out.empty()) out += '/';
    out += segment;
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return !out.empty();
}

bool inside(const fs::path& root, const fs::path& candidate) {
  auto r = root.begin();
  auto c = candidate.begin();
  for (; r != root.end(); ++r, ++c) {
    if (r->empty()) continue;  // a trailing separator of the root
    if (c == candidate.end() || *r != *c) return false;
  }
  return true;
}

// Errors in the API's shape ({"code", "message"}), so every path of the server answers alike.
StaticResponse failure(int status, std::string_view code, std::string_view message) {
  StaticResponse out;
  out.status = status;
  out.headers = {{"Content-Type", "application/json"},
                 {"X-Content-Type-Options", "nosniff"},
                 {"Cache-Control", "no-store"}};
  out.body = fmt::format(R"({{"code":"{}","message":"{}"}})", code, message);
  return out;
}

StaticResponse not_found() {
  return failure(404, "NOT_FOUND", "No such page or file.");
}

StaticResponse unreadable() {
  return failure(500, "INTERNAL_ERROR", "The file cannot be served.");
}

bool etag_matches(std::string_view if_none_match, std::string_view etag) {
  if (if_none_match == "*") return true;
  // A list of entity tags; weak comparison (W/ prefixes ignored), as RFC 9110 asks for GET.
  while (!if_none_match.empty()) {
    const auto comma = if_none_match.find(',');
    auto item = if_none_match.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.starts_with("W/")) item.remove_prefix(2);
    if (item == etag) return true;
    if (comma == std::string_view::npos) break;
    if_none_match.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

std::string_view StaticResponse::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (n == name) return v;
  }
  return {};
}

std::string_view content_type_for(std::string_view filename) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 16> kTypes = {{
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".webp", "image/webp"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".woff", "font/woff"},
      {".wasm", "application/wasm"},
      {".txt", "text/plain; charset=utf-8"},
      {".webmanifest", "application/manifest+json"},
  }};
  for (const auto& [ext, type] : kTypes) {
    if (filename.ends_with(ext)) return type;
  }
  return "application/octet-stream";
}

StaticFileHandler::StaticFileHandler(StaticSiteConfig config) : config_(std::move(config)) {}

bool StaticFileHandler::has_file(std::string_view relative) const {
  std::error_code ec;
  return fs::is_regular_file(config_.root / fs::path{relative}, ec);
}

StaticResponse StaticFileHandler::handle(const StaticRequest& request) const {
  if (request.method != "GET" && request.method != "HEAD") {
    auto out = failure(405, "METHOD_NOT_ALLOWED", "Only GET and HEAD are served here.");
    out.headers.emplace_back("Allow", "GET, HEAD");
    return out;
  }
  std::string relative;
  if (!relative_path(request.path, relative)) return not_found();

  std::error_code ec;
  const auto root = fs::canonical(config_.root, ec);
  if (ec) return not_found();
  auto file = fs::canonical(root / relative, ec);
  if (ec || !inside(root, file)) return not_found();
  if (fs::is_directory(file, ec)) {
    file = fs::canonical(file / "index.html", ec);
    if (ec || !inside(root, file)) return not_found();
  }
  const auto status = fs::status(file, ec);
  if (ec || !fs::is_regular_file(status)) return not_found();
  const auto size = fs::file_size(file, ec);
  if (ec) return unreadable();
  if (size > kMaxFileBytes) return unreadable();
  const auto mtime = fs::last_write_time(file, ec);
  if (ec) return unreadable();

  const auto name = file.filename().string();
  const std::string etag = fmt::format(
      "\"{:x}-{:x}\"", size, static_cast<std::uint64_t>(mtime.time_since_epoch().count()));
  bool immutable = false;
  for (const auto& prefix : config_.immutable_prefixes) {
    if (request.path.starts_with(prefix)) immutable = true;
  }

  StaticResponse out;
  out.headers.emplace_back("Content-Type", std::string{content_type_for(name)});
  out.headers.emplace_back("X-Content-Type-Options", "nosniff");
  out.headers.emplace_back("ETag", etag);
  out.headers.emplace_back("Cache-Control",
                           immutable ? "public, max-age=31536000, immutable" : "no-cache");
  if (name.ends_with(".html")) {
    if (!config_.content_security_policy.empty()) {
      out.headers.emplace_back("Content-Security-Policy", config_.content_security_policy);
    }
    out.headers.emplace_back("Referrer-Policy", "no-referrer");
    out.headers.emplace_back("X-Frame-Options", "DENY");
  }
  if (etag_matches(request.if_none_match, etag)) {
    out.status = 304;
    return out;
  }
  out.headers.emplace_back("Content-Length", std::to_string(size));
  if (request.method == "HEAD") return out;

  std::ifstream in{file, std::ios::binary};
  if (!in) return unreadable();
  out.body.assign(std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{});
  if (out.body.size() != size) {
    // Replaced while being read: answer what was read, described correctly.
    for (auto& [n, v] : out.headers) {
      if (n == "Content-Length") v = std::to_string(out.body.size());
    }
  }
  return out;
}

}  // namespace toq::web

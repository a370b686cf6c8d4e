#pragma once
// The web bundle (the upload page, the gallery, the API docs page and their assets) served from a
// folder, independent of any HTTP library: a request path in, status + headers + body out.
// adapter/http mounts it with a thin binding (web_routes.hpp), as it does the store's handler.
//
// Contract:
//   - GET and HEAD only (405 with Allow otherwise). HEAD answers GET's headers without the body.
//   - The path is the decoded URL path ("/ui/upload", "/ui/assets/upload-3f9a.js"). Only
//     [A-Za-z0-9._-] segments are served; an empty, "." or ".." segment, a segment starting with
//     '.', or any other byte answers 404 without touching the disk. The resolved file must lie
//     inside the root after following symlinks (a link out of the folder answers 404).
//   - A directory serves its index.html ("/ui/upload" and "/ui/upload/" both serve
//     ui/upload/index.html).
//   - Content-Type from the extension (unknown: application/octet-stream) and
//     "X-Content-Type-Options: nosniff" on every answer.
//   - Caching: files under an immutable prefix (content-hashed names, e.g. "/ui/assets/") are
//     "public, max-age=31536000, immutable"; everything else "no-cache" with a strong ETag made
//     of the file's size and modification time; a matching If-None-Match answers 304 without a
//     body.
//   - HTML answers carry the configured Content-Security-Policy, "Referrer-Policy: no-referrer"
//     (the pages hold presigned URLs and tokens) and "X-Frame-Options: DENY".
//   - Errors are the API's JSON ({"code", "message"}): 404 NOT_FOUND for a missing or refused
//     path, 405 METHOD_NOT_ALLOWED, 500 INTERNAL_ERROR for an unreadable file or one above 64 MiB
//     (the bundle is small; a huge file there is a mistake).
// Thread-safe: no state but the configuration.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace toq::web {

struct StaticRequest {
  std::string method;         // "GET", "HEAD", ...
  std::string path;           // decoded URL path, starting with '/'
  std::string if_none_match;  // the If-None-Match header, or ""
};

struct StaticResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;  // Content-Type included
  std::string body;  // empty for HEAD and 304 (Content-Length then describes the file)

  // The first value of a header (exact name as set here), or "" when absent.
  std::string_view header(std::string_view name) const;
};

struct StaticSiteConfig {
  std::filesystem::path root;  // the folder holding the built bundle
  std::string content_security_policy;
  std::vector<std::string> immutable_prefixes = {"/ui/assets/"};
};

class StaticFileHandler {
 public:
  explicit StaticFileHandler(StaticSiteConfig config);

  StaticResponse handle(const StaticRequest& request) const;

  // True when the root holds a file at `relative` (e.g. "ui/upload/index.html"): for a startup
  // warning when the bundle is missing.
  bool has_file(std::string_view relative) const;

  const StaticSiteConfig& config() const { return config_; }

 private:
  StaticSiteConfig config_;
};

// "text/html; charset=utf-8" for "index.html", ... ("application/octet-stream" when unknown).
std::string_view content_type_for(std::string_view filename);

}  // namespace toq::web

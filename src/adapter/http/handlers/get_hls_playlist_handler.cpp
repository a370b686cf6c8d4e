#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "adapter/http/handlers/api_handlers.hpp"
#include "support/uri.hpp"
#include "support/utc_time.hpp"

namespace toq::http::handlers {
namespace {

// A player that sent its token in the query cannot add it to the URIs it follows: the master's
// relative URIs (the media playlists, on this route) get it appended. Presigned URLs (absolute,
// with their own query) are left as they are: the store must never see the token.
std::string with_access_token(std::string_view text, std::string_view token) {
  const std::string suffix = "?access_token=" + support::uri_encode(token, support::Slash::kEncode);
  std::string out;
  while (!text.empty()) {
    const auto end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    out += line;
    if (!line.empty() && line.front() != '#' && line.find("://") == std::string_view::npos &&
        line.find('?') == std::string_view::npos) {
      out += suffix;
    }
    out += '\n';
  }
  return out;
}

}  // namespace

HandlerResult handle_get_hls_playlist(const ApiServices& services, const ApiRequest& request) {
  const auto& p = request.path_params;
  if (p.size() != 4) {
    return core::fail(core::ErrorCode::kInternal, "the HLS route needs four path parameters");
  }
  auto listing = parse_id_param(p[0], "listingIdentityId");
  if (!listing) return std::unexpected(listing.error());
  auto batch = parse_id_param(p[1], "batchId");
  if (!batch) return std::unexpected(batch.error());
  auto asset = parse_id_param(p[2], "assetId");
  if (!asset) return std::unexpected(asset.error());
  auto playlist = services.hls_playlist->run(
      core::GetHlsPlaylistInput{request.caller, *listing, *batch, *asset, p[3]});
  if (!playlist) return std::unexpected(playlist.error());
  // Private (the caller's authorization), and never reused once its presigned URLs expire.
  const auto left = std::chrono::duration_cast<std::chrono::seconds>(
      playlist->expires_at -
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()));
  ApiResponse out;
  out.content_type = "application/vnd.apple.mpegurl";
  out.text = request.query_access_token.empty()
                 ? std::move(playlist->text)
                 : with_access_token(playlist->text, request.query_access_token);
  out.headers = {
      {"Cache-Control", fmt::format("private, max-age={}", std::max<long>(0, left.count() / 2))},
      {"Expires", support::format_http_date(playlist->expires_at)}};
  return out;
}

}  // namespace toq::http::handlers

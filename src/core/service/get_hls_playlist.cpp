#include "core/service/get_hls_playlist.hpp"

#include <algorithm>
#include <optional>
#include <span>

#include <fmt/format.h>

#include "core/model/asset.hpp"
#include "core/model/media_type.hpp"
#include "core/model/rendition.hpp"
#include "core/service/batch_lookup.hpp"
#include "core/service/published_outputs.hpp"

namespace toq::core {
namespace {

constexpr std::string_view kSuffix = ".m3u8";
constexpr std::size_t kMaxRungChars = 16;

constexpr const char* kTakeUrlsHint =
    "Take the master playlist's URL from the asset's hls.masterUrl in POST "
    "/api/v2/listings/media/downloads.";

// A name that is no playlist at all: nothing is known about the asset yet.
Error bad_playlist_name(std::int64_t asset, std::string_view playlist) {
  return make_error(ErrorCode::kAssetNotFound,
                    fmt::format("asset {}: '{}' is not an HLS playlist name", asset, playlist),
                    "There is no such HLS playlist: its name is master.m3u8 or <rung>.m3u8.",
                    kTakeUrlsHint);
}

Error no_such_asset(std::int64_t asset, BatchId batch) {
  return make_error(ErrorCode::kAssetNotFound,
                    fmt::format("asset {} is not in batch {}", asset, batch.value),
                    "This batch has no such asset.", kTakeUrlsHint);
}

// A photo or a project file: HLS is made for videos only (its downloads say "hls": null).
Error not_a_video(const Asset& asset) {
  const auto group = group_of(asset.declared.media_type);
  return make_error(
      ErrorCode::kAssetNotFound,
      fmt::format("asset {} is a {} file ({}), not a video: it has no HLS playlist", asset.id.value,
                  to_string(group), to_string(asset.declared.media_type)),
      group == MediaGroup::kPhoto
          ? "This asset is a photo: HLS playlists exist only for videos."
          : "This asset is a project file: HLS playlists exist only for videos.",
      "Show its variants from POST /api/v2/listings/media/downloads; only assets whose hls is not "
      "null have playlists.");
}

Error no_playlist(std::int64_t asset, std::string_view playlist) {
  return make_error(ErrorCode::kAssetNotFound,
                    fmt::format("asset {} has no HLS playlist '{}'", asset, playlist),
                    "This video has no such playlist.", kTakeUrlsHint);
}

// "master.m3u8" -> "" ; "720p.m3u8" -> "720p"; nullopt for anything else.
std::optional<std::string> rung_of(std::string_view playlist) {
  if (!playlist.ends_with(kSuffix)) return std::nullopt;
  const auto stem = playlist.substr(0, playlist.size() - kSuffix.size());
  if (stem == "master") return std::string{};
  if (stem.empty() || stem.size() > kMaxRungChars) return std::nullopt;
  const bool plain = std::ranges::all_of(
      stem, [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); });
  if (!plain) return std::nullopt;
  return std::string{stem};
}

struct Found {
  Rendition playlist;
  std::optional<Rendition> rung;  // a media playlist's fragmented MP4
};

Result<Found> find_playlist(UnitOfWork& uow, const GetHlsPlaylistInput& input,
                            const std::string& rung) {
  const ListingId listing{input.listing_identity_id};
  auto published = find_published_outputs(uow, input.caller, listing, BatchId{input.batch_id});
  if (!published) return std::unexpected(published.error());
  if (!*published) return std::unexpected(batch_not_found(listing, BatchId{input.batch_id}));
  auto asset = uow.assets().find(AssetId{input.asset_id});
  if (!asset) return std::unexpected(asset.error());
  if (!*asset || (*asset)->batch_id != (*published)->batch.id) {
    return std::unexpected(no_such_asset(input.asset_id, (*published)->batch.id));
  }
  if (group_of((*asset)->declared.media_type) != MediaGroup::kVideo) {
    return std::unexpected(not_a_video(**asset));
  }
  auto renditions = uow.assets().renditions((*asset)->id, (*published)->job.id);
  if (!renditions) return std::unexpected(renditions.error());
  const std::string playlist_name =
      rung.empty() ? std::string{kHlsMasterRendition} : fmt::format("hls-{}-playlist", rung);
  const std::string rung_name = fmt::format("hls-{}", rung);
  Found found;
  bool have_playlist = false;
  for (const auto& r : *renditions) {
    if (r.name == playlist_name && r.format == "m3u8") {
      found.playlist = r;
      have_playlist = true;
    } else if (!rung.empty() && r.name == rung_name && r.format == "fmp4") {
      found.rung = r;
    }
  }
  if (!have_playlist || (!rung.empty() && !found.rung)) {
    return std::unexpected(no_playlist(input.asset_id, input.playlist));
  }
  return found;
}

// Collects a stored playlist, refusing more than kMaxPlaylistBytes (the record said less).
class PlaylistSink final : public ByteSink {
 public:
  Status write(std::span<const std::byte> data) override {
    if (text.size() + data.size() > static_cast<std::size_t>(kMaxPlaylistBytes)) {
      return fail(ErrorCode::kInternal, "stored playlist larger than its limit");
    }
    text.append(reinterpret_cast<const char*>(data.data()), data.size());
    return {};
  }
  std::string text;
};

// The rendition's key ends with its file name: ".../hls-720p.mp4" -> "hls-720p.mp4".
std::string_view file_name_of(std::string_view key) {
  const auto slash = key.rfind('/');
  return slash == std::string_view::npos ? key : key.substr(slash + 1);
}

}  // namespace

Result<std::string> sign_media_playlist(std::string_view text, std::string_view file_name,
                                        std::string_view url) {
  std::string out;
  out.reserve(text.size() * 2);
  const std::string quoted = fmt::format("URI=\"{}\"", file_name);
  while (!text.empty()) {
    const auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    if (line.empty()) continue;
    if (line.front() != '#') {
      if (line != file_name) {
        return fail(
            ErrorCode::kInternal,
            fmt::format("stored media playlist names '{}', expected '{}'", line, file_name));
      }
      out += url;
    } else if (const auto at = line.find("URI=\""); at != std::string_view::npos) {
      if (line.substr(at, quoted.size()) != quoted) {
        return fail(ErrorCode::kInternal,
                    fmt::format("stored media playlist line '{}' names another URI", line));
      }
      out += line.substr(0, at);
      out += fmt::format("URI=\"{}\"", url);
      out += line.substr(at + quoted.size());
    } else {
      out += line;
    }
    out += '\n';
  }
  return out;
}

Result<HlsPlaylist> GetHlsPlaylist::run(const GetHlsPlaylistInput& input) {
  const auto rung = rung_of(input.playlist);
  if (!rung) return fail(bad_playlist_name(input.asset_id, input.playlist));
  auto found = deps_.db.transact([&](UnitOfWork& uow) { return find_playlist(uow, input, *rung); });
  if (!found) return std::unexpected(found.error());
  if (found->playlist.bytes > kMaxPlaylistBytes) {
    return fail(ErrorCode::kInternal, fmt::format("stored playlist {} has {} bytes",
                                                  found->playlist.key, found->playlist.bytes));
  }
  PlaylistSink sink;
  if (auto got = deps_.store.get(found->playlist.key, sink); !got) {
    return std::unexpected(got.error());
  }
  HlsPlaylist out;
  out.expires_at =
      deps_.clock.now() + std::chrono::duration_cast<std::chrono::milliseconds>(options_.url_ttl);
  if (!found->rung) {
    out.text = std::move(sink.text);
    return out;
  }
  auto url = deps_.signer.presign_get(found->rung->key, PresignGet{{}, options_.url_ttl});
  if (!url) return std::unexpected(url.error());
  auto signed_text = sign_media_playlist(sink.text, file_name_of(found->rung->key), url->url);
  if (!signed_text) return std::unexpected(signed_text.error());
  out.text = std::move(*signed_text);
  return out;
}

}  // namespace toq::core

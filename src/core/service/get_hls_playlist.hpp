#pragma once
// Use case: one HLS playlist of a video, for players.
// GET /api/v2/listings/{listingIdentityId}/batches/{batchId}/assets/{assetId}/hls/{playlist}.
//
// Contract, checked in this order:
// 1. `playlist` is "master.m3u8" or "<rung>.m3u8" with <rung> of 1 to 16 characters [a-z0-9]
//    (else ASSET_NOT_FOUND: no such playlist name).
// 2. In one read transaction, the same rules as the downloads (published_outputs.hpp):
//    LISTING_NOT_FOUND, FORBIDDEN (a client only while the listing is PUBLISHED), BATCH_NOT_FOUND
//    (also when the batch has no SUCCEEDED job yet); then ASSET_NOT_FOUND, each with its own
//    public message and hint: the asset is not in that batch; the asset is a photo or a project
//    file (HLS is made for videos only); that job did not record the playlist
//    (kHlsMasterRendition, or "hls-<rung>-playlist" with its rung "hls-<rung>").
// 3. The stored playlist (written at processing time, at most kMaxPlaylistBytes) is read from the
//    store. The master is served as stored: its URIs are relative ("720p.m3u8"), resolved against
//    this route. In a media playlist every URI naming the rung's file ("hls-720p.mp4", in
//    EXT-X-MAP and on the segment lines) becomes one presigned GET of that file valid for url_ttl;
//    the playlist expires with it (expires_at). A playlist naming anything else is INTERNAL.
// The video is never read: byte ranges and durations were computed when it was processed.

#include <chrono>
#include <cstdint>
#include <string>

#include "core/model/error.hpp"
#include "core/model/principal.hpp"
#include "core/model/time.hpp"
#include "core/port/database.hpp"
#include "core/port/object_store.hpp"

namespace toq::core {

inline constexpr std::int64_t kMaxPlaylistBytes = 4 * 1024 * 1024;

struct GetHlsPlaylistInput {
  Principal caller;
  std::int64_t listing_identity_id = 0;
  std::int64_t batch_id = 0;
  std::int64_t asset_id = 0;
  std::string playlist;  // "master.m3u8", "720p.m3u8"
};

struct HlsPlaylist {
  std::string text;  // application/vnd.apple.mpegurl
  Timestamp expires_at{};
};

struct GetHlsPlaylistOptions {
  std::chrono::seconds url_ttl{3600};
};

class GetHlsPlaylist {
 public:
  struct Deps {
    Database& db;
    ObjectStore& store;
    UrlSigner& signer;
    const Clock& clock;
  };

  GetHlsPlaylist(Deps deps, GetHlsPlaylistOptions options) : deps_(deps), options_(options) {}

  Result<HlsPlaylist> run(const GetHlsPlaylistInput& input);

 private:
  Deps deps_;
  GetHlsPlaylistOptions options_;
};

// The media playlist `text` with every URI equal to `file_name` (a segment line, or the quoted
// URI of EXT-X-MAP) replaced by `url`; INTERNAL when it names any other URI.
Result<std::string> sign_media_playlist(std::string_view text, std::string_view file_name,
                                        std::string_view url);

}  // namespace toq::core

#pragma once
// The HLS playlists (RFC 8216, version 7) of a video's rungs, written once at processing time from
// the fragmented MP4s' indexes (fmp4_index.hpp) and stored beside them. Each rung is ONE file
// addressed by byte ranges, so a player needs one URL per rung: the API serves these texts with
// each rung's file name replaced by a freshly presigned URL (core/service/get_hls_playlist).

#include <string>
#include <string_view>
#include <vector>

#include "adapter/media/video/fmp4_index.hpp"

namespace toq::media {

// A media playlist: VOD, `EXT-X-MAP` on the initialization section, one `EXTINF` +
// `EXT-X-BYTERANGE` per fragment, every URI `file_name` (the rung's file, e.g. "hls-720p.mp4").
// The target duration is the longest fragment rounded to the nearest second (at least 1).
std::string media_playlist(const Fmp4Index& index, std::string_view file_name);

struct HlsRung {
  std::string uri;  // the media playlist as the master names it, relative ("720p.m3u8")
  Fmp4Index index;
};

// The master playlist: one `EXT-X-STREAM-INF` per rung, in the order given, with BANDWIDTH (the
// highest segment bit rate), AVERAGE-BANDWIDTH, CODECS, RESOLUTION and FRAME-RATE measured from
// the rung's file.
std::string master_playlist(const std::vector<HlsRung>& rungs);

}  // namespace toq::media

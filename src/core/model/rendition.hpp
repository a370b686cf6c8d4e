#pragma once
// Rendition: one output of an asset produced by one job.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/model/ids.hpp"

namespace toq::core {

struct Rendition {
  AssetId asset_id;
  JobId job_id;
  std::string name;    // thumbnail, small, medium, large, poster, 720p, 1080p
  std::string format;  // jpeg, webp, mp4
  std::int32_t width = 0;
  std::int32_t height = 0;
  std::int64_t bytes = 0;
  std::string key;  // object key under the job's output prefix
  std::string sha256_hex;
  friend bool operator==(const Rendition&, const Rendition&) = default;
};

// The HLS outputs of a video: its rungs "hls-<rung>" (format "fmp4", fragmented MP4s addressed by
// byte ranges), their media playlists "hls-<rung>-playlist" and the master "hls-master" (format
// "m3u8", every URI a relative name). They are streamed through the API's playlist route, never
// listed as downloads nor put in the ZIP.
inline constexpr std::string_view kHlsMasterRendition = "hls-master";
inline bool is_hls_output(const Rendition& r) {
  return r.format == "fmp4" || r.format == "m3u8";
}

}  // namespace toq::core

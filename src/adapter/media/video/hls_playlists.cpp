#include "adapter/media/video/hls_playlists.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/core.h>

namespace toq::media {

std::string media_playlist(const Fmp4Index& index, std::string_view file_name) {
  long target = 1;
  for (const auto& s : index.segments) target = std::max(target, std::lround(s.seconds));
  std::string out = fmt::format(
      "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:{}\n#EXT-X-MEDIA-SEQUENCE:0\n"
      "#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-INDEPENDENT-SEGMENTS\n"
      "#EXT-X-MAP:URI=\"{}\",BYTERANGE=\"{}@0\"\n",
      target, file_name, index.init_length);
  for (const auto& s : index.segments) {
    out += fmt::format("#EXTINF:{:.5f},\n#EXT-X-BYTERANGE:{}@{}\n{}\n", s.seconds, s.length,
                       s.offset, file_name);
  }
  out += "#EXT-X-ENDLIST\n";
  return out;
}

std::string master_playlist(const std::vector<HlsRung>& rungs) {
  std::string out = "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n";
  for (const auto& rung : rungs) {
    const auto& i = rung.index;
    std::string codecs = i.video_codec;
    if (!i.audio_codec.empty()) codecs += "," + i.audio_codec;
    out += fmt::format(
        "#EXT-X-STREAM-INF:BANDWIDTH={},AVERAGE-BANDWIDTH={},CODECS=\"{}\",RESOLUTION={}x{},"
        "FRAME-RATE={:.3f}\n{}\n",
        i.peak_bandwidth(), i.average_bandwidth(), codecs, i.width, i.height, i.frame_rate(),
        rung.uri);
  }
  return out;
}

}  // namespace toq::media

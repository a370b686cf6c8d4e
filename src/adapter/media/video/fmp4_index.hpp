#pragma once
// read_fmp4_index: what an HLS playlist needs to know about one fragmented MP4 (ISO/IEC 14496-12),
// read from its box structure: the initialization section (`ftyp` + `moov`), every fragment's
// byte range (`moof` through its `mdat`) and duration (the video track's sample durations from
// `trun`, or the `tfhd` / `trex` defaults), the codecs (RFC 6381 strings from `avcC` and `esds`)
// and the coded frame size (the `avc1` sample entry). Only the box headers, `moov` and the `moof`s
// are read, never the media data.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/model/error.hpp"

namespace toq::media {

struct Fmp4Segment {
  std::int64_t offset = 0;  // of the `moof`
  std::int64_t length = 0;  // `moof` through the end of the `mdat` that follows it
  double seconds = 0;       // the video track's samples in it
  std::int64_t frames = 0;  // video samples in it
};

struct Fmp4Index {
  std::int64_t file_bytes = 0;
  std::int64_t init_length = 0;  // bytes [0, init_length): `ftyp` and `moov`
  std::vector<Fmp4Segment> segments;
  std::string video_codec;  // "avc1.640028"
  std::string audio_codec;  // "mp4a.40.2"; empty without an audio track
  int width = 0;            // the avc1 sample entry's (coded, as displayed: no rotation is left)
  int height = 0;

  // Frames per second over the whole video track.
  double frame_rate() const;
  // Bits per second: the highest of any segment, and the whole file's media over its duration.
  std::int64_t peak_bandwidth() const;
  std::int64_t average_bandwidth() const;
};

// INTERNAL_ERROR naming the file and the box when it is not a fragmented MP4 with an H.264 video
// track and at least one fragment (the transcode step wrote it: this is this service's fault);
// STORAGE_ERROR when it cannot be read.
core::Result<Fmp4Index> read_fmp4_index(const std::filesystem::path& path);

}  // namespace toq::media

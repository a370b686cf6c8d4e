#include "adapter/media/video/fmp4_index.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <map>
#include <optional>
#include <span>
#include <string_view>

#include <fmt/core.h>

namespace toq::media {
namespace {

using Bytes = std::span<const std::uint8_t>;

// A bounds-checked big-endian reader over one box's body; a read past the end sets !ok and
// returns 0, so the parsers check ok once at the end of what they read.
class Reader {
 public:
  explicit Reader(Bytes data) : data_(data) {}
  bool ok() const { return ok_; }
  std::size_t left() const { return data_.size() - pos_; }
  std::uint64_t uint(std::size_t bytes) {
    if (left() < bytes) {
      ok_ = false;
      pos_ = data_.size();
      return 0;
    }
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < bytes; ++i) v = (v << 8) | data_[pos_ + i];
    pos_ += bytes;
    return v;
  }
  void skip(std::size_t bytes) {
    if (left() < bytes) {
      ok_ = false;
      pos_ = data_.size();
      return;
    }
    pos_ += bytes;
  }
  Bytes rest() const { return data_.subspan(pos_); }

 private:
  Bytes data_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

// A box type as text: 0x6d6f6f76 -> "moov".
std::string fourcc(std::uint64_t code) {
  std::string name(4, ' ');
  for (std::size_t i = 0; i < 4; ++i) name[i] = static_cast<char>((code >> (8 * (3 - i))) & 0xff);
  return name;
}

struct Box {
  std::string type;
  Bytes body;
};

// The boxes one after another in `data` (a box's body); nullopt when a size runs past the end.
std::optional<std::vector<Box>> children(Bytes data) {
  std::vector<Box> out;
  Reader r(data);
  while (r.left() > 0) {
    const std::size_t start = data.size() - r.left();
    std::uint64_t size = r.uint(4);
    const auto type = r.uint(4);
    std::size_t header = 8;
    if (size == 1) {
      size = r.uint(8);
      header = 16;
    } else if (size == 0) {
      size = data.size() - start;
    }
    if (!r.ok() || size < header || size > data.size() - start) return std::nullopt;
    out.push_back({fourcc(type), data.subspan(start + header, size - header)});
    r.skip(size - header);
  }
  return out;
}

std::optional<Bytes> child(Bytes data, std::string_view type) {
  auto boxes = children(data);
  if (!boxes) return std::nullopt;
  for (const auto& b : *boxes) {
    if (b.type == type) return b.body;
  }
  return std::nullopt;
}

// child(child(...)) along a path such as {"mdia", "minf", "stbl", "stsd"}.
std::optional<Bytes> descend(Bytes data, std::initializer_list<std::string_view> path) {
  std::optional<Bytes> at = data;
  for (const auto type : path) {
    at = child(*at, type);
    if (!at) return std::nullopt;
  }
  return at;
}

struct Track {
  std::string handler;  // "vide", "soun"
  std::uint32_t timescale = 0;
  std::uint32_t default_duration = 0;  // trex
  std::string codec;
  int width = 0;
  int height = 0;
};

// An MPEG-4 descriptor's length: 1 to 4 bytes of 7 bits each.
std::size_t descriptor_length(Reader& r) {
  std::size_t length = 0;
  for (int i = 0; i < 4; ++i) {
    const auto b = r.uint(1);
    length = (length << 7) | (b & 0x7f);
    if ((b & 0x80) == 0) break;
  }
  return length;
}

// "mp4a.40.2" from an `esds` box (ISO/IEC 14496-1 ES_Descriptor -> DecoderConfigDescriptor ->
// DecoderSpecificInfo, whose first 5 bits are the audio object type; RFC 6381 section 3.3).
std::string audio_codec_of(Bytes esds) {
  Reader r(esds);
  r.skip(4);
  if (r.uint(1) != 0x03) return {};
  descriptor_length(r);
  r.skip(2);
  const auto flags = r.uint(1);
  if (flags & 0x80) r.skip(2);
  if (flags & 0x40) r.skip(r.uint(1));
  if (flags & 0x20) r.skip(2);
  if (r.uint(1) != 0x04) return {};
  descriptor_length(r);
  const auto object_type = r.uint(1);
  r.skip(12);
  if (r.uint(1) != 0x05) return {};
  descriptor_length(r);
  const auto b0 = r.uint(1);
  auto aot = b0 >> 3;
  if (aot == 31) aot = 32 + (((b0 & 0x7) << 3) | (r.uint(1) >> 5));  // the 6-bit escape
  if (!r.ok()) return {};
  return fmt::format("mp4a.{:x}.{}", object_type, aot);
}

// Codec and size from `stsd`'s first sample entry.
void read_sample_entry(Bytes stsd, Track& track) {
  Reader r(stsd);
  r.skip(8);  // version, flags, entry count
  auto entries = children(r.rest());
  if (!entries || entries->empty()) return;
  const Box& entry = entries->front();
  Reader e(entry.body);
  if (entry.type == "avc1" || entry.type == "avc3") {
    e.skip(24);
    track.width = static_cast<int>(e.uint(2));
    track.height = static_cast<int>(e.uint(2));
    e.skip(50);
    if (!e.ok()) return;
    auto avcc = child(e.rest(), "avcC");
    if (!avcc || avcc->size() < 4) return;
    track.codec =
        fmt::format("{}.{:02x}{:02x}{:02x}", entry.type, (*avcc)[1], (*avcc)[2], (*avcc)[3]);
  } else if (entry.type == "mp4a") {
    e.skip(28);
    if (!e.ok()) return;
    if (auto esds = child(e.rest(), "esds")) track.codec = audio_codec_of(*esds);
  }
}

// track id -> track, from `moov`.
std::optional<std::map<std::uint32_t, Track>> read_tracks(Bytes moov) {
  auto boxes = children(moov);
  if (!boxes) return std::nullopt;
  std::map<std::uint32_t, Track> tracks;
  for (const auto& box : *boxes) {
    if (box.type != "trak") continue;
    auto tkhd = child(box.body, "tkhd");
    auto mdhd = descend(box.body, {"mdia", "mdhd"});
    auto hdlr = descend(box.body, {"mdia", "hdlr"});
    auto stsd = descend(box.body, {"mdia", "minf", "stbl", "stsd"});
    if (!tkhd || !mdhd || !hdlr || !stsd) return std::nullopt;
    Reader t(*tkhd);
    const bool v1 = t.uint(1) == 1;
    t.skip(3 + (v1 ? 16 : 8));
    const auto id = static_cast<std::uint32_t>(t.uint(4));
    Reader m(*mdhd);
    const bool m1 = m.uint(1) == 1;
    m.skip(3 + (m1 ? 16 : 8));
    Track track;
    track.timescale = static_cast<std::uint32_t>(m.uint(4));
    Reader h(*hdlr);
    h.skip(8);
    const auto handler = h.uint(4);
    if (!t.ok() || !m.ok() || !h.ok()) return std::nullopt;
    track.handler = fourcc(handler);
    read_sample_entry(*stsd, track);
    tracks[id] = track;
  }
  if (auto mvex = child(moov, "mvex")) {
    auto extends = children(*mvex);
    if (!extends) return std::nullopt;
    for (const auto& box : *extends) {
      if (box.type != "trex") continue;
      Reader r(box.body);
      r.skip(4);
      const auto id = static_cast<std::uint32_t>(r.uint(4));
      r.skip(4);
      const auto duration = static_cast<std::uint32_t>(r.uint(4));
      if (r.ok() && tracks.contains(id)) tracks[id].default_duration = duration;
    }
  }
  return tracks;
}

// The video track's sample count and summed durations (in its timescale) in one `moof`.
std::optional<std::pair<std::int64_t, std::uint64_t>> video_samples(Bytes moof,
                                                                    std::uint32_t video_id,
                                                                    std::uint32_t trex_duration) {
  auto boxes = children(moof);
  if (!boxes) return std::nullopt;
  std::int64_t count = 0;
  std::uint64_t ticks = 0;
  for (const auto& traf : *boxes) {
    if (traf.type != "traf") continue;
    auto parts = children(traf.body);
    auto tfhd = child(traf.body, "tfhd");
    if (!parts || !tfhd) return std::nullopt;
    Reader h(*tfhd);
    h.skip(1);
    const auto flags = h.uint(3);
    if (h.uint(4) != video_id) continue;
    if (flags & 0x01) h.skip(8);
    if (flags & 0x02) h.skip(4);
    std::uint64_t default_duration = trex_duration;
    if (flags & 0x08) default_duration = h.uint(4);
    if (!h.ok()) return std::nullopt;
    for (const auto& part : *parts) {
      if (part.type != "trun") continue;
      Reader r(part.body);
      r.skip(1);
      const auto tr = r.uint(3);
      const auto samples = r.uint(4);
      if (tr & 0x001) r.skip(4);
      if (tr & 0x004) r.skip(4);
      for (std::uint64_t i = 0; i < samples && r.ok(); ++i) {
        ticks += (tr & 0x100) ? r.uint(4) : default_duration;
        if (tr & 0x200) r.skip(4);
        if (tr & 0x400) r.skip(4);
        if (tr & 0x800) r.skip(4);
      }
      if (!r.ok()) return std::nullopt;
      count += static_cast<std::int64_t>(samples);
    }
  }
  return std::pair{count, ticks};
}

core::Error bad(const std::filesystem::path& path, std::string_view what) {
  return core::make_error(
      core::ErrorCode::kInternal,
      fmt::format("{} is not a usable fragmented MP4: {}", path.string(), what));
}

struct TopBox {
  std::string type;
  std::int64_t offset = 0;
  std::int64_t size = 0;
  std::vector<std::uint8_t> body;  // moov and moof only
};

}  // namespace

double Fmp4Index::frame_rate() const {
  std::int64_t frames = 0;
  double seconds = 0;
  for (const auto& s : segments) {
    frames += s.frames;
    seconds += s.seconds;
  }
  return seconds > 0 ? static_cast<double>(frames) / seconds : 0;
}

std::int64_t Fmp4Index::peak_bandwidth() const {
  double peak = 0;
  for (const auto& s : segments) {
    if (s.seconds > 0) peak = std::max(peak, static_cast<double>(s.length) * 8 / s.seconds);
  }
  return static_cast<std::int64_t>(std::ceil(peak));
}

std::int64_t Fmp4Index::average_bandwidth() const {
  double bytes = 0;
  double seconds = 0;
  for (const auto& s : segments) {
    bytes += static_cast<double>(s.length);
    seconds += s.seconds;
  }
  return seconds > 0 ? static_cast<std::int64_t>(std::ceil(bytes * 8 / seconds)) : 0;
}

namespace {

// The file's top-level boxes in order; only moov and moof bodies are read (never the media data).
core::Result<std::vector<TopBox>> read_top_boxes(std::ifstream& in,
                                                 const std::filesystem::path& path,
                                                 std::int64_t file_bytes) {
  std::vector<TopBox> top;
  std::int64_t offset = 0;
  while (offset < file_bytes) {
    std::array<std::uint8_t, 16> header{};
    in.seekg(offset);
    const std::int64_t avail = std::min<std::int64_t>(16, file_bytes - offset);
    in.read(reinterpret_cast<char*>(header.data()), avail);
    if (avail < 8 || !in) return core::fail(bad(path, fmt::format("box header at {}", offset)));
    Reader r(Bytes(header.data(), static_cast<std::size_t>(avail)));
    std::int64_t size = static_cast<std::int64_t>(r.uint(4));
    TopBox box;
    box.type = std::string(reinterpret_cast<const char*>(header.data()) + 4, 4);
    r.skip(4);
    std::int64_t head = 8;
    if (size == 1) {
      size = static_cast<std::int64_t>(r.uint(8));
      head = 16;
    } else if (size == 0) {
      size = file_bytes - offset;
    }
    if (!r.ok() || size < head || size > file_bytes - offset) {
      return core::fail(
          bad(path, fmt::format("box '{}' at {} runs past the end", box.type, offset)));
    }
    box.offset = offset;
    box.size = size;
    if (box.type == "moov" || box.type == "moof") {
      box.body.resize(static_cast<std::size_t>(size - head));
      in.seekg(offset + head);
      in.read(reinterpret_cast<char*>(box.body.data()), size - head);
      if (!in) return core::fail(bad(path, fmt::format("short '{}' at {}", box.type, offset)));
    }
    top.push_back(std::move(box));
    offset += size;
  }

  return top;
}

}  // namespace

core::Result<Fmp4Index> read_fmp4_index(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::error_code ec;
  const auto file_size = std::filesystem::file_size(path, ec);
  if (!in || ec) {
    return core::fail(core::ErrorCode::kStorageError,
                      fmt::format("cannot read {}: {}", path.string(),
                                  ec ? ec.message() : std::string{"open failed"}));
  }
  Fmp4Index index;
  index.file_bytes = static_cast<std::int64_t>(file_size);

  auto boxes = read_top_boxes(in, path, index.file_bytes);
  if (!boxes) return std::unexpected(boxes.error());
  const std::vector<TopBox>& top = *boxes;

  const auto moov = std::find_if(top.begin(), top.end(), [](auto& b) { return b.type == "moov"; });
  if (moov == top.end()) return core::fail(bad(path, "no 'moov'"));
  index.init_length = moov->offset + moov->size;
  auto tracks = read_tracks(Bytes(moov->body));
  if (!tracks) return core::fail(bad(path, "malformed 'moov'"));
  std::uint32_t video_id = 0;
  for (const auto& [id, track] : *tracks) {
    if (track.handler == "vide" && video_id == 0) {
      video_id = id;
      index.video_codec = track.codec;
      index.width = track.width;
      index.height = track.height;
    } else if (track.handler == "soun" && index.audio_codec.empty()) {
      index.audio_codec = track.codec;
    }
  }
  if (video_id == 0 || index.video_codec.empty() || (*tracks)[video_id].timescale == 0) {
    return core::fail(bad(path, "no H.264 video track"));
  }
  const Track& video = (*tracks)[video_id];

  for (std::size_t i = 0; i < top.size(); ++i) {
    if (top[i].type != "moof") continue;
    if (top[i].offset < index.init_length) return core::fail(bad(path, "'moof' before 'moov'"));
    if (i + 1 >= top.size() || top[i + 1].type != "mdat") {
      return core::fail(bad(path, fmt::format("'moof' at {} without its 'mdat'", top[i].offset)));
    }
    auto samples = video_samples(Bytes(top[i].body), video_id, video.default_duration);
    if (!samples)
      return core::fail(bad(path, fmt::format("malformed 'moof' at {}", top[i].offset)));
    index.segments.push_back(
        Fmp4Segment{top[i].offset, top[i + 1].offset + top[i + 1].size - top[i].offset,
                    static_cast<double>(samples->second) / video.timescale, samples->first});
  }
  if (index.segments.empty()) return core::fail(bad(path, "no fragment"));
  return index;
}

}  // namespace toq::media

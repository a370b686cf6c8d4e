#pragma once
// Helpers of the video suites: inputs generated with the real ffmpeg (lavfi testsrc2/sine, small
// and short), facts read back from outputs with the real ffprobe, MP4 top-level atoms, the mean
// luma of an image, and a hostile AVI built byte by byte.

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/shell.hpp"

namespace toq::testing::video {

namespace fs = std::filesystem;

// Runs an ffmpeg command line (arguments after `ffmpeg -hide_banner -loglevel error -y`) through
// the shell; throws with ffmpeg's output when it fails, so a broken fixture is loud.
inline void ffmpeg(const std::string& args) {
  const auto r = run_capture("ffmpeg -hide_banner -nostdin -loglevel error -y " + args);
  if (r.status != 0) throw std::runtime_error("fixture ffmpeg failed: " + args + "\n" + r.output);
}

// testsrc2 (+ sine unless no_audio), H.264 + AAC in MP4 (moov at the end, ffmpeg's default).
inline fs::path make_h264(const fs::path& dir, const std::string& name, int width, int height,
                          double seconds = 2, bool audio = true, int fps = 30) {
  const fs::path out = dir / name;
  std::string args = "-f lavfi -i testsrc2=s=" + std::to_string(width) + "x" +
                     std::to_string(height) + ":r=" + std::to_string(fps) +
                     ":d=" + std::to_string(seconds);
  if (audio) args += " -f lavfi -i sine=f=440:d=" + std::to_string(seconds);
  args += " -c:v libx264 -preset ultrafast -pix_fmt yuv420p";
  if (audio) args += " -c:a aac -b:a 64k -shortest";
  ffmpeg(args + " " + shell_quote(out.string()));
  return out;
}

// The same file with a display rotation of `degrees` (5.1 has no -display_rotation: the rotate
// tag on a stream copy into MP4 writes the display matrix).
inline fs::path with_rotation(const fs::path& source, const fs::path& out, int degrees) {
  ffmpeg("-i " + shell_quote(source.string()) + " -map 0 -c copy -metadata:s:v rotate=" +
         std::to_string(degrees) + " " + shell_quote(out.string()));
  return out;
}

// 10-bit HEVC HLG (BT.2020, arib-std-b67) like an iPhone, vertical through rotation metadata.
inline fs::path make_hlg_vertical(const fs::path& dir) {
  const fs::path landscape = dir / "hlg-landscape.mp4";
  ffmpeg(
      "-f lavfi -i testsrc2=s=320x240:r=30:d=2 -f lavfi -i sine=d=2 "
      "-vf format=yuv420p10le -c:v libx265 -preset ultrafast -x265-params log-level=error "
      "-color_primaries bt2020 -color_trc arib-std-b67 -colorspace bt2020nc -tag:v hvc1 "
      "-c:a aac -shortest " +
      shell_quote(landscape.string()));
  return with_rotation(landscape, dir / "hlg-vertical.mov", 90);
}

inline nlohmann::json ffprobe_json(const fs::path& file, const std::string& extra = {}) {
  const auto r = run_capture("ffprobe -v error -show_format -show_streams -of json " + extra + " " +
                                 shell_quote(file.string()),
                             Stderr::kDiscard);
  if (r.status != 0) throw std::runtime_error("ffprobe failed on " + file.string());
  return nlohmann::json::parse(r.output);
}

struct StreamFacts {
  bool has_video = false;
  bool has_audio = false;
  std::string codec;
  int width = 0;
  int height = 0;
  std::string pix_fmt;
  std::string transfer;
  std::string primaries;
  std::string matrix;
  bool has_rotation = false;  // display-matrix side data or rotate tag
  std::string r_frame_rate;
  std::string avg_frame_rate;
};

inline StreamFacts stream_facts(const fs::path& file) {
  StreamFacts facts;
  const auto doc = ffprobe_json(file);
  for (const auto& s : doc["streams"]) {
    if (s.value("codec_type", "") == "audio") facts.has_audio = true;
    if (s.value("codec_type", "") != "video" || facts.has_video) continue;
    facts.has_video = true;
    facts.codec = s.value("codec_name", "");
    facts.width = s.value("width", 0);
    facts.height = s.value("height", 0);
    facts.pix_fmt = s.value("pix_fmt", "");
    facts.transfer = s.value("color_transfer", "");
    facts.primaries = s.value("color_primaries", "");
    facts.matrix = s.value("color_space", "");
    facts.r_frame_rate = s.value("r_frame_rate", "");
    facts.avg_frame_rate = s.value("avg_frame_rate", "");
    if (s.contains("side_data_list")) {
      for (const auto& side : s["side_data_list"]) {
        if (side.contains("rotation")) facts.has_rotation = true;
      }
    }
    if (s.contains("tags") && s["tags"].contains("rotate")) facts.has_rotation = true;
  }
  return facts;
}

// The four-character types of the top-level boxes of an MP4, in file order.
inline std::vector<std::string> top_level_atoms(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::vector<std::string> atoms;
  const auto total = static_cast<std::uint64_t>(fs::file_size(file));
  std::uint64_t at = 0;
  while (at + 8 <= total) {
    in.seekg(static_cast<std::streamoff>(at));
    unsigned char header[16] = {};
    in.read(reinterpret_cast<char*>(header), 8);
    std::uint64_t size = (std::uint64_t{header[0]} << 24) | (std::uint64_t{header[1]} << 16) |
                         (std::uint64_t{header[2]} << 8) | header[3];
    atoms.emplace_back(reinterpret_cast<char*>(header + 4), 4);
    if (size == 1) {
      in.read(reinterpret_cast<char*>(header + 8), 8);
      size = 0;
      for (int i = 8; i < 16; ++i) size = (size << 8) | header[i];
    } else if (size == 0) {
      size = total - at;
    }
    if (size < 8) break;
    at += size;
  }
  return atoms;
}

inline std::ptrdiff_t atom_index(const std::vector<std::string>& atoms, const std::string& type) {
  for (std::size_t i = 0; i < atoms.size(); ++i) {
    if (atoms[i] == type) return static_cast<std::ptrdiff_t>(i);
  }
  return -1;
}

// Mean luma (YAVG of signalstats, 8-bit scale) of the first frame of an image.
inline double mean_luma(const fs::path& image) {
  const auto r = run_capture(
      "ffmpeg -hide_banner -nostdin -loglevel error -i " + shell_quote(image.string()) +
          " -vf format=yuv420p,signalstats,metadata=mode=print:key=lavfi.signalstats.YAVG:file=- "
          "-frames:v 1 -f null -",
      Stderr::kDiscard);
  const auto at = r.output.find("lavfi.signalstats.YAVG=");
  if (r.status != 0 || at == std::string::npos) throw std::runtime_error("no luma: " + r.output);
  return std::stod(r.output.substr(at + 23));
}

// An HLS playlist whose segments are a local secret and a URL on this machine.
inline std::string hostile_playlist(int port, const fs::path& secret) {
  return "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:10\n#EXT-X-MEDIA-SEQUENCE:0\n"
         "#EXTINF:10.0,\nhttp://127.0.0.1:" +
         std::to_string(port) + "/x.ts\n#EXTINF:10.0,\nfile://" + secret.string() +
         "\n#EXTINF:10.0,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n";
}

inline void write_file(const fs::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// H.264 (+ AAC) in a fragmented MP4 (empty_moov: the moov's sample tables are empty, every
// sample lives in the moof/mdat fragments that follow), as cameras that record in fragments and
// streaming packagers write it.
inline fs::path make_fragmented_h264(const fs::path& dir, const std::string& name,
                                     double seconds = 2) {
  const fs::path out = dir / name;
  ffmpeg("-f lavfi -i testsrc2=s=320x240:r=30:d=" + std::to_string(seconds) +
         " -f lavfi -i sine=f=440:d=" + std::to_string(seconds) +
         " -c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac -b:a 64k -shortest"
         " -movflags frag_keyframe+empty_moov+default_base_moof " +
         shell_quote(out.string()));
  return out;
}

// An MP4 whose video track has no sample at all: ftyp + moov of a fragmented file, cut before its
// first fragment (a recording or an export that stopped before writing its first frame).
inline fs::path make_zero_sample_mp4(const fs::path& dir, const std::string& name) {
  const fs::path fragmented = make_fragmented_h264(dir, "fragmented-source.mp4", 1);
  std::ifstream in(fragmented, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::size_t at = 0;
  while (at + 8 <= bytes.size() && bytes.compare(at + 4, 4, "moof") != 0) {
    const auto b = [&](std::size_t i) {
      return std::uint64_t{static_cast<unsigned char>(bytes[i])};
    };
    const std::uint64_t size = (b(at) << 24) | (b(at + 1) << 16) | (b(at + 2) << 8) | b(at + 3);
    if (size < 8)
      throw std::runtime_error("fixture: unexpected box size in " + fragmented.string());
    at += size;
  }
  if (at + 8 > bytes.size()) throw std::runtime_error("fixture: no moof in " + fragmented.string());
  const fs::path out = dir / name;
  write_file(out, std::string_view(bytes).substr(0, at));
  return out;
}

// The CVE-2017-9993 shape: an AVI whose stream data is an HLS playlist, both as the payload of a
// video chunk and as a GAB2 subtitle packet (the nested-demuxer path of the original exploit).
inline std::string hostile_avi(const std::string& playlist) {
  auto le32 = [](std::string& s, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  };
  auto le16 = [](std::string& s, std::uint16_t v) {
    s.push_back(static_cast<char>(v & 0xff));
    s.push_back(static_cast<char>(v >> 8));
  };
  auto chunk = [&](const std::string& id, const std::string& data) {
    std::string c = id;
    le32(c, static_cast<std::uint32_t>(data.size()));
    c += data;
    if (data.size() % 2 != 0) c.push_back('\0');
    return c;
  };
  auto list = [&](const std::string& type, const std::string& data) {
    return chunk("LIST", type + data);
  };
  std::string avih;
  for (std::uint32_t v : {33333U, 0U, 0U, 0x10U, 1U, 0U, 2U, 0U, 320U, 240U, 0U, 0U, 0U, 0U}) {
    le32(avih, v);
  }
  auto strh = [&](const std::string& type, const std::string& handler) {
    std::string s = type + handler;
    for (std::uint32_t v : {0U, 0U, 0U, 1U, 30U, 0U, 1U, 65536U, 0xffffffffU, 0U}) le32(s, v);
    for (int i = 0; i < 4; ++i) le16(s, 0);
    return s;
  };
  std::string bih;  // BITMAPINFOHEADER of a codec nobody has
  for (std::uint32_t v : {40U, 320U, 240U}) le32(bih, v);
  le16(bih, 1);
  le16(bih, 24);
  bih += "HLS0";
  for (int i = 0; i < 5; ++i) le32(bih, 0);
  std::string gab2 = std::string("GAB2") + '\0';
  le16(gab2, 2);
  le32(gab2, 2);
  le16(gab2, 0);  // empty UTF-16 name
  le16(gab2, 4);
  le32(gab2, static_cast<std::uint32_t>(playlist.size()));
  gab2 += playlist;

  const std::string video_strl =
      list("strl", chunk("strh", strh("vids", "HLS0")) + chunk("strf", bih));
  const std::string text_strl =
      list("strl", chunk("strh", strh("txts", std::string(4, '\0'))) + chunk("strf", ""));
  const std::string hdrl = list("hdrl", chunk("avih", avih) + video_strl + text_strl);
  const std::string movi = list("movi", chunk("01tx", gab2) + chunk("00dc", playlist));
  return chunk("RIFF", "AVI " + hdrl + movi);
}

// Processes whose command line mentions `needle` (a test's unique temp dir): leftovers.
inline std::vector<std::string> processes_mentioning(const std::string& needle) {
  std::vector<std::string> found;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const auto name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "cmdline", std::ios::binary);
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::ifstream stat_in(entry.path() / "stat");
    std::string stat((std::istreambuf_iterator<char>(stat_in)), std::istreambuf_iterator<char>());
    const auto close = stat.rfind(')');
    const bool zombie =
        close != std::string::npos && close + 2 < stat.size() && stat[close + 2] == 'Z';
    if (!zombie && cmdline.find(needle) != std::string::npos) found.push_back(name + " " + cmdline);
  }
  return found;
}

}  // namespace toq::testing::video

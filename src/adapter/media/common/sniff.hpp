#pragma once
// Sniffing: the real format of an upload, from its first bytes only. The file name and the declared
// Content-Type are never consulted: an MP4 named .jpg is an MP4, a text file named .jpg is text.

#include <cstddef>
#include <filesystem>
#include <span>
#include <string>

#include "core/model/error.hpp"

namespace toq::media {

enum class MediaClass { kImage, kVideo, kDocument, kUnknown };

struct Sniffed {
  // One of: "jpeg", "png", "webp", "gif", "heif", "avif", "tiff", "svg" (images); "pdf" (document);
  // "mp4", "mov", "matroska", "webm", "avi", "mpegps", "mpegts" (videos); "hls" (an m3u8 playlist:
  // never processed, it references other files), "text" (other text), "empty" (zero bytes),
  // "unknown".
  std::string format;
  // kImage for the image formats (svg included: it is an image, the photo step refuses it), kVideo
  // for the containers, kDocument for pdf, kUnknown for hls, text, empty and unknown.
  MediaClass media_class = MediaClass::kUnknown;
  // For a video, the ffmpeg demuxer to force ("mov", "matroska", "avi", "mpeg", "mpegts"), so that
  // ffmpeg never probes the format itself; "" otherwise.
  std::string ffmpeg_demuxer;
  friend bool operator==(const Sniffed&, const Sniffed&) = default;
};

// Bytes read by sniff_file; sniff looks at no more than this.
inline constexpr std::size_t kSniffHeadBytes = 4096;

// Classifies the first bytes of a file (up to kSniffHeadBytes; fewer when the file is shorter).
// Never fails: what it does not recognise is "text" or "unknown".
Sniffed sniff(std::span<const std::byte> head);

// Reads the head of `path` and sniffs it. STORAGE_ERROR when the file cannot be opened or read.
core::Result<Sniffed> sniff_file(const std::filesystem::path& path);

}  // namespace toq::media

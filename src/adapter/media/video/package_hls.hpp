#pragma once
// package_hls: the HLS playlists of the rungs transcode_video wrote (its "fmp4" outputs, largest
// first), from their box structure (fmp4_index.hpp), computed once here so that serving a playlist
// never reads a video: per rung `hls-<name>-playlist.m3u8` (format "m3u8", every URI the rung's
// own file name), and `hls-master.m3u8` naming them as "<name>.m3u8" (the API's playlist route).
// A playlist's width and height are those of the picture it plays (its rung; the largest rung for
// the master).

#include <filesystem>
#include <vector>

#include "core/model/error.hpp"

#include "adapter/media/common/output_file.hpp"

namespace toq::media {

// The playlists, the master last. INTERNAL_ERROR when a rung is not the fragmented MP4 it must be
// (no fragment, no H.264 track, another frame size than planned); STORAGE_ERROR when a playlist
// cannot be written. Written under temporary names and renamed; nothing is left on failure.
core::Result<std::vector<OutputFile>> package_hls(const std::vector<OutputFile>& rungs,
                                                  const std::filesystem::path& out_dir);

}  // namespace toq::media

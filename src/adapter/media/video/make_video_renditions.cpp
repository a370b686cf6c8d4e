#include "adapter/media/video/make_video_renditions.hpp"

#include <system_error>

#include <fmt/core.h>

#include "adapter/media/video/make_poster.hpp"
#include "adapter/media/video/make_thumbnail.hpp"
#include "adapter/media/video/package_hls.hpp"
#include "adapter/media/video/transcode_video.hpp"
#include "adapter/media/video/video_commands.hpp"

namespace toq::media {
namespace {

void remove_outputs(const std::vector<OutputFile>& outputs) {
  for (const auto& output : outputs) {
    std::error_code ec;
    std::filesystem::remove(output.path, ec);
  }
}

// Temporary files of an earlier run that was killed outright (SIGKILL, power loss): StagedFile's
// names start with '.' and contain ".partial.". out_dir belongs to one asset of one job, so no
// other run is writing there.
void remove_stale_partials(const std::filesystem::path& dir) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with('.') && name.find(".partial.") != std::string::npos) {
      std::filesystem::remove(entry.path(), ec);
    }
  }
}

}  // namespace

core::Result<std::vector<OutputFile>> make_video_renditions(const std::filesystem::path& input,
                                                            std::string_view forced_demuxer,
                                                            const VideoProbe& probe,
                                                            const std::filesystem::path& out_dir,
                                                            const VideoLimits& limits) {
  // The same gate as probe_video: the command lines never carry a demuxer off the allow-list.
  if (!is_allowed_demuxer(forced_demuxer)) {
    return core::fail(core::ErrorCode::kUnsupportedFormat,
                      fmt::format("container '{}' is not accepted for videos", forced_demuxer),
                      "The file is not a video container that is accepted.");
  }
  if (probe.width <= 0 || probe.height <= 0) {
    return core::fail(core::ErrorCode::kInternal,
                      "make_video_renditions: the probe has no frame size");
  }
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) {
    return core::fail(core::ErrorCode::kStorageError,
                      fmt::format("could not create {}: {}", out_dir.string(), ec.message()));
  }
  const auto dir = std::filesystem::absolute(out_dir);
  remove_stale_partials(dir);

  auto outputs = transcode_video(input, forced_demuxer, probe, dir, limits);
  if (!outputs) return core::fail(outputs.error());
  auto playlists = package_hls(*outputs, dir);
  if (!playlists) {
    remove_outputs(*outputs);
    return core::fail(playlists.error());
  }
  outputs->insert(outputs->end(), playlists->begin(), playlists->end());
  auto poster = make_poster(input, forced_demuxer, probe, dir, limits);
  if (!poster) {
    remove_outputs(*outputs);
    return core::fail(poster.error());
  }
  outputs->push_back(*poster);
  auto thumbnail = make_thumbnail(*poster, dir, limits);
  if (!thumbnail) {
    remove_outputs(*outputs);
    return core::fail(thumbnail.error());
  }
  outputs->push_back(*thumbnail);
  return outputs;
}

}  // namespace toq::media

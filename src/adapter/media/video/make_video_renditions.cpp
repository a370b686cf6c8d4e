#include "adapter/media/video/make_video_renditions.hpp"

#include <optional>
#include <system_error>
#include <thread>

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

// The poster, then the thumbnail made from it; on failure neither is left.
core::Result<std::vector<OutputFile>> poster_and_thumbnail(const std::filesystem::path& input,
                                                           std::string_view forced_demuxer,
                                                           const VideoProbe& probe,
                                                           const std::filesystem::path& dir,
                                                           const VideoLimits& limits) {
  auto poster = make_poster(input, forced_demuxer, probe, dir, limits);
  if (!poster) return core::fail(poster.error());
  auto thumbnail = make_thumbnail(*poster, dir, limits);
  if (!thumbnail) {
    remove_outputs({*poster});
    return core::fail(thumbnail.error());
  }
  return std::vector<OutputFile>{*poster, *thumbnail};
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

  // The poster and the thumbnail need only the input, not the ladder: they run beside the
  // transcode, on what the encoder leaves of the cores, instead of after it. Each side keeps its
  // own error; the transcode's is reported when both fail (it names the damage, when there is).
  core::Result<std::vector<OutputFile>> images = std::vector<OutputFile>{};
  core::Result<std::vector<OutputFile>> outputs = std::vector<OutputFile>{};
  {
    const auto make_images = [&] {
      images = poster_and_thumbnail(input, forced_demuxer, probe, dir, limits);
    };
    std::optional<std::jthread> beside;
    try {
      beside.emplace(make_images);
    } catch (const std::system_error&) {
      make_images();  // no thread to be had: one after the other
    }
    outputs = transcode_video(input, forced_demuxer, probe, dir, limits);
  }
  if (!outputs) {
    if (images) remove_outputs(*images);
    return core::fail(outputs.error());
  }
  if (!images) {
    remove_outputs(*outputs);
    return core::fail(images.error());
  }
  auto playlists = package_hls(*outputs, dir);
  if (!playlists) {
    remove_outputs(*outputs);
    remove_outputs(*images);
    return core::fail(playlists.error());
  }
  outputs->insert(outputs->end(), playlists->begin(), playlists->end());
  outputs->insert(outputs->end(), images->begin(), images->end());
  return outputs;
}

}  // namespace toq::media

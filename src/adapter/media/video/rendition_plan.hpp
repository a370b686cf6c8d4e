#pragma once
// The sizes of a video's outputs, decided from the probe before any tool runs, so the command
// lines are exact and the OutputFile records carry the real sizes.

#include <string>
#include <vector>

#include "adapter/media/video/probe_video.hpp"

namespace toq::media {

struct FrameSize {
  int width = 0;
  int height = 0;
  friend bool operator==(const FrameSize&, const FrameSize&) = default;
};

struct RenditionSize {
  std::string name;  // "1080p", "720p", "360p"
  FrameSize size;    // displayed, even
  int max_rate_kbps = 0;
  int audio_kbps = 128;
  // Also a progressive MP4 (`<name>.mp4`: downloads and the ZIP); every rung is an HLS rung.
  bool progressive = true;
};

// `1080p` only when the displayed short edge is >= 1080, then `720p` always; each scaled to that
// short edge keeping the aspect ratio, never upscaled (a smaller source keeps its own size), both
// dimensions rounded down to even. Largest first.
std::vector<RenditionSize> plan_renditions(const VideoProbe& probe);

// The HLS ladder: plan_renditions' rungs, then `360p` (short edge 360, never upscaled, 1 Mbit/s,
// HLS only) for weak networks when it is smaller than the smallest of them. Largest first.
std::vector<RenditionSize> plan_stream_renditions(const VideoProbe& probe);

// Frames between two keyframes in every rung: kSegmentSeconds at the output frame rate, so the
// keyframes (and the HLS segments cut there) fall at the same instants in every rung.
inline constexpr int kSegmentSeconds = 4;
int keyframe_interval(const VideoProbe& probe);

// `size` scaled so its long edge is at most `long_edge`, never upscaled, dimensions >= 2 and even.
FrameSize fit_long_edge(FrameSize size, int long_edge);

// The constant output frame rate for a probe, as an ffmpeg rate ("30", "30000/1001"): the
// source's rate halved until it is <= 60; 30 when unknown.
std::string output_frame_rate(const VideoProbe& probe);

}  // namespace toq::media

#include "adapter/media/video/rendition_plan.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/core.h>

namespace toq::media {
namespace {

constexpr int kFullHd = 1080;
constexpr int kHd = 720;
constexpr int kSmall = 360;
constexpr double kMaxFps = 60.0;

int even(int value) {
  return std::max(2, value - (value % 2));
}

int scaled(int value, int numerator, int denominator) {
  return static_cast<int>(std::lround(static_cast<double>(value) * numerator / denominator));
}

FrameSize fit_short_edge(FrameSize size, int short_edge) {
  const int shorter = std::min(size.width, size.height);
  if (shorter <= short_edge) return {even(size.width), even(size.height)};
  if (size.width <= size.height) {
    return {even(short_edge), even(scaled(size.height, short_edge, size.width))};
  }
  return {even(scaled(size.width, short_edge, size.height)), even(short_edge)};
}

}  // namespace

std::vector<RenditionSize> plan_renditions(const VideoProbe& probe) {
  const FrameSize source{probe.width, probe.height};
  std::vector<RenditionSize> out;
  if (std::min(source.width, source.height) >= kFullHd) {
    out.push_back({"1080p", fit_short_edge(source, kFullHd), 8000});
  }
  out.push_back({"720p", fit_short_edge(source, kHd), 5000});
  return out;
}

std::vector<RenditionSize> plan_stream_renditions(const VideoProbe& probe) {
  auto out = plan_renditions(probe);
  const FrameSize small = fit_short_edge({probe.width, probe.height}, kSmall);
  const FrameSize smallest = out.back().size;
  if (small.width * small.height < smallest.width * smallest.height) {
    out.push_back({"360p", small, 1000, 96, false});
  }
  return out;
}

int keyframe_interval(const VideoProbe& probe) {
  const std::string rate = output_frame_rate(probe);
  double fps = 30;
  if (const auto slash = rate.find('/'); slash != std::string::npos) {
    fps = std::stod(rate.substr(0, slash)) / std::stod(rate.substr(slash + 1));
  } else {
    fps = std::stod(rate);
  }
  return std::max(1, static_cast<int>(std::lround(fps * kSegmentSeconds)));
}

FrameSize fit_long_edge(FrameSize size, int long_edge) {
  const int longer = std::max(size.width, size.height);
  if (longer <= long_edge) return {even(size.width), even(size.height)};
  if (size.width >= size.height) {
    return {even(long_edge), even(scaled(size.height, long_edge, size.width))};
  }
  return {even(scaled(size.width, long_edge, size.height)), even(long_edge)};
}

std::string output_frame_rate(const VideoProbe& probe) {
  double fps = probe.fps;
  if (!(fps > 0) || !std::isfinite(fps)) return "30";
  while (fps > kMaxFps + 0.01) fps /= 2;
  for (const int base : {24, 30, 60}) {
    const double ntsc = base * 1000.0 / 1001.0;
    if (std::abs(fps - ntsc) < 0.005) return fmt::format("{}000/1001", base);
  }
  if (std::abs(fps - std::round(fps)) < 0.01)
    return fmt::format("{}", std::max(1L, std::lround(fps)));
  return fmt::format("{:.3f}", std::max(1.0, fps));
}

}  // namespace toq::media

// The sizes of the video outputs: short edge, never upscaled, even, 1080p only when present.

#include "adapter/media/video/rendition_plan.hpp"

#include <gtest/gtest.h>

namespace toq::media {
namespace {

VideoProbe probe_of(int width, int height, double fps = 30) {
  VideoProbe p;
  p.width = width;
  p.height = height;
  p.fps = fps;
  return p;
}

TEST(RenditionPlan, FullHdLandscapeGets1080pAnd720p) {
  const auto plan = plan_renditions(probe_of(1920, 1080));
  ASSERT_EQ(plan.size(), 2U);
  EXPECT_EQ(plan[0].name, "1080p");
  EXPECT_EQ(plan[0].size, (FrameSize{1920, 1080}));
  EXPECT_EQ(plan[1].name, "720p");
  EXPECT_EQ(plan[1].size, (FrameSize{1280, 720}));
}

TEST(RenditionPlan, VerticalUhdScalesTheShortEdge) {
  const auto plan = plan_renditions(probe_of(2160, 3840));
  ASSERT_EQ(plan.size(), 2U);
  EXPECT_EQ(plan[0].size, (FrameSize{1080, 1920}));
  EXPECT_EQ(plan[1].size, (FrameSize{720, 1280}));
}

TEST(RenditionPlan, BetweenHdAndFullHdGetsOnly720p) {
  const auto plan = plan_renditions(probe_of(1280, 960));
  ASSERT_EQ(plan.size(), 1U);
  EXPECT_EQ(plan[0].name, "720p");
  EXPECT_EQ(plan[0].size, (FrameSize{960, 720}));
}

TEST(RenditionPlan, SmallSourceKeepsItsSizeRoundedToEven) {
  const auto plan = plan_renditions(probe_of(321, 241));
  ASSERT_EQ(plan.size(), 1U);
  EXPECT_EQ(plan[0].name, "720p");
  EXPECT_EQ(plan[0].size, (FrameSize{320, 240}));
}

TEST(RenditionPlan, OddScaledEdgeIsEven) {
  // 1000 x 1777 -> short edge 720 -> long edge 1279.4 -> 1278 (even, rounded down).
  const auto plan = plan_renditions(probe_of(1000, 1777));
  ASSERT_EQ(plan.size(), 1U);
  EXPECT_EQ(plan[0].size.width, 720);
  EXPECT_EQ(plan[0].size.height % 2, 0);
  EXPECT_NEAR(plan[0].size.height, 1279, 1);
}

TEST(RenditionPlan, LongEdgeCapNeverUpscales) {
  EXPECT_EQ(fit_long_edge({3840, 2160}, 1920), (FrameSize{1920, 1080}));
  EXPECT_EQ(fit_long_edge({1080, 1920}, 320), (FrameSize{180, 320}));
  EXPECT_EQ(fit_long_edge({241, 321}, 1920), (FrameSize{240, 320}));
}

TEST(RenditionPlan, OutputFrameRateIsConstantAndAtMost60) {
  EXPECT_EQ(output_frame_rate(probe_of(320, 240, 30)), "30");
  EXPECT_EQ(output_frame_rate(probe_of(320, 240, 30000.0 / 1001.0)), "30000/1001");
  EXPECT_EQ(output_frame_rate(probe_of(320, 240, 120)), "60");
  EXPECT_EQ(output_frame_rate(probe_of(320, 240, 240)), "60");
  EXPECT_EQ(output_frame_rate(probe_of(320, 240, 0)), "30");
}

TEST(StreamRenditionPlan, AddsA360pRungForHlsOnly) {
  const auto plan = plan_stream_renditions(probe_of(1920, 1080));
  ASSERT_EQ(plan.size(), 3U);
  EXPECT_EQ(plan[2].name, "360p");
  EXPECT_EQ(plan[2].size, (FrameSize{640, 360}));
  EXPECT_FALSE(plan[2].progressive) << "no MP4 download of the small rung";
  EXPECT_TRUE(plan[0].progressive);
  EXPECT_TRUE(plan[1].progressive);
  EXPECT_LT(plan[2].max_rate_kbps, plan[1].max_rate_kbps);
}

TEST(StreamRenditionPlan, VerticalStaysVerticalAndASmallSourceGetsNoSmallerRung) {
  const auto vertical = plan_stream_renditions(probe_of(1080, 1920));
  ASSERT_EQ(vertical.size(), 3U);
  EXPECT_EQ(vertical[2].size, (FrameSize{360, 640}));
  // 640x360 is already the 360p size: one rung, never upscaled, no duplicate.
  const auto small = plan_stream_renditions(probe_of(640, 360));
  ASSERT_EQ(small.size(), 1U);
  EXPECT_EQ(small[0].size, (FrameSize{640, 360}));
  const auto sd = plan_stream_renditions(probe_of(720, 576));
  ASSERT_EQ(sd.size(), 2U);
  EXPECT_EQ(sd[1].size, (FrameSize{450, 360}));
}

TEST(StreamRenditionPlan, KeyframeIntervalIsFourSecondsOfOutputFrames) {
  EXPECT_EQ(keyframe_interval(probe_of(1920, 1080, 30)), 120);
  EXPECT_EQ(keyframe_interval(probe_of(1920, 1080, 30000.0 / 1001)), 120);  // 4.004 s
  EXPECT_EQ(keyframe_interval(probe_of(720, 576, 25)), 100);
  EXPECT_EQ(keyframe_interval(probe_of(1920, 1080, 120)), 240);  // output at 60 fps
  EXPECT_EQ(keyframe_interval(probe_of(1920, 1080, 0)), 120);    // unknown: 30 fps
}

}  // namespace
}  // namespace toq::media

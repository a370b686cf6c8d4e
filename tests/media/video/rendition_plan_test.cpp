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

}  // namespace
}  // namespace toq::media

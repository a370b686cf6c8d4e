// Failures are typed and explained: the failing step, the tool's ending, its last diagnostics and
// a hint, never a bare code (the earlier system said only DERIVATIVE_ERRORS_DETECTED). Nothing is
// left behind: no partial output, no process.

#include "adapter/media/video/video_failure.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "adapter/media/video/make_video_renditions.hpp"
#include "adapter/media/video/probe_video.hpp"
#include "support/result_matchers.hpp"
#include "support/temp_dir.hpp"
#include "video_test_support.hpp"

namespace toq::media {
namespace {

using namespace std::chrono_literals;
using core::ErrorCode;
using toq::testing::must;
using toq::testing::TempDir;
namespace fs = std::filesystem;
namespace v = toq::testing::video;

// The error explains itself: code, step, how the tool ended, its diagnostics, and a hint.
void expect_explained(const core::Error& error, ErrorCode code, const std::string& step,
                      const std::string& ending, const std::string& diagnostic) {
  EXPECT_EQ(error.code, code) << core::to_string(error.code) << ": " << error.message;
  EXPECT_EQ(error.message.rfind(step + " failed: ", 0), 0U) << error.message;
  EXPECT_NE(error.message.find(ending), std::string::npos) << error.message;
  EXPECT_NE(error.message.find("Last diagnostics: "), std::string::npos) << error.message;
  EXPECT_NE(error.message.find(diagnostic), std::string::npos) << error.message;
  EXPECT_NE(error.public_message.find(step), std::string::npos) << error.public_message;
  EXPECT_NE(error.public_message.find(diagnostic), std::string::npos) << error.public_message;
  EXPECT_FALSE(error.hint.empty());
  EXPECT_EQ(error.client_message().find("DERIVATIVE_ERRORS_DETECTED"), std::string::npos);
}

TEST(VideoFailure, TranscodeFailureNamesTheStep) {
  const TempDir dir;
  const auto input = v::make_h264(dir.path(), "in.mp4", 320, 240, 2);
  const auto probe = must(probe_video(input, "mov", VideoLimits{}));
  // The file is cut after probing (an upload replaced, a disk error): ffmpeg must fail.
  fs::resize_file(input, fs::file_size(input) / 2);
  const auto out_dir = dir / "out";
  const auto r = make_video_renditions(input, "mov", probe, out_dir, VideoLimits{});
  ASSERT_FALSE(r);
  // ffmpeg says the data is missing ("Invalid data found"): the file is damaged, not the encoder.
  expect_explained(r.error(), ErrorCode::kCorruptMedia, "transcoding to 720p",
                   "ffmpeg exited with status", "moov atom not found");
  EXPECT_NE(r.error().hint.find("damaged"), std::string::npos) << r.error().hint;
  EXPECT_TRUE(fs::is_empty(out_dir)) << "no partial output";
}

TEST(VideoFailure, PosterCrashNamesThePosterAndRemovesEveryOutput) {
  const TempDir dir;
  const auto input = v::make_h264(dir.path(), "in.mp4", 320, 240, 1);
  VideoLimits limits;
  // Fault injection at the process boundary: the poster's ffmpeg (the run writing `-f mjpeg`
  // from the video) dies of SIGSEGV after printing a line; every other run is the real ffmpeg.
  limits.launcher = {"sh", "-c",
                     "case \" $* \" in *' -f mov '*' -f mjpeg '*) echo 'decoder crashed' >&2; "
                     "kill -SEGV $$;; esac; exec \"$@\"",
                     "sh"};
  const auto probe = must(probe_video(input, "mov", limits));
  const auto out_dir = dir / "out";
  const auto r = make_video_renditions(input, "mov", probe, out_dir, limits);
  ASSERT_FALSE(r);
  expect_explained(r.error(), ErrorCode::kVideoTranscodeFailed, "making the poster",
                   "ffmpeg was killed by signal 11 (SIGSEGV)", "decoder crashed");
  EXPECT_TRUE(fs::is_empty(out_dir)) << "the 720p.mp4 already made is removed too";
}

// make_video_renditions of a 1 s clip in `dir`, where the transcode's ffmpeg (the run with
// libx264) starts only once `marker` exists, giving up after 30 s with a diagnostic; `touch_on`
// is the case pattern of the run that creates the marker as it starts. Every run is then the real
// ffmpeg, or, when asked, the transcode dies of SIGSEGV.
core::Result<std::vector<OutputFile>> run_ordered(const TempDir& dir, const fs::path& marker,
                                                  const std::string& touch_on,
                                                  bool transcode_crashes) {
  const auto input = v::make_h264(dir.path(), "in.mp4", 320, 240, 1);
  const std::string wait = fmt::format(
      "i=0; while [ ! -e '{0}' ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done; "
      "[ -e '{0}' ] || {{ echo 'the marker never appeared' >&2; exit 1; }}; ",
      marker.string());
  const std::string crash = transcode_crashes ? "echo 'encoder crashed' >&2; kill -SEGV $$; " : "";
  VideoLimits limits;
  limits.launcher = {
      "sh", "-c",
      fmt::format("case \" $* \" in {} : > '{}';; *' libx264 '*) {}{};; esac; exec \"$@\"",
                  touch_on, marker.string(), wait, crash),
      "sh"};
  const auto probe = must(probe_video(input, "mov", VideoLimits{}));
  return make_video_renditions(input, "mov", probe, dir / "out", limits);
}

TEST(VideoFailure, PosterRunsBesideTheTranscode) {
  const TempDir dir;
  // The transcode waits for the poster's run to have started: one after the other, it would wait
  // in vain and fail.
  const auto outputs =
      must(run_ordered(dir, dir / "poster-started", "*' -f mov '*' -f mjpeg '*)", false));
  std::vector<std::string> names;
  for (const auto& o : outputs) names.push_back(o.name);
  ASSERT_GE(names.size(), 2U);
  EXPECT_EQ(names[names.size() - 2], "poster");
  EXPECT_EQ(names.back(), "thumbnail");
  for (const auto& o : outputs) EXPECT_TRUE(fs::is_regular_file(o.path)) << o.path;
}

TEST(VideoFailure, TranscodeFailureRemovesThePosterMadeBesideIt) {
  const TempDir dir;
  // The transcode crashes once the thumbnail's run has started, so the poster is already in
  // out_dir: both images made beside the failed transcode must go.
  const auto r = run_ordered(dir, dir / "thumbnail-started", "*' jpeg_pipe '*)", true);
  ASSERT_FALSE(r);
  expect_explained(r.error(), ErrorCode::kVideoTranscodeFailed, "transcoding to 720p",
                   "ffmpeg was killed by signal 11 (SIGSEGV)", "encoder crashed");
  EXPECT_TRUE(fs::exists(dir / "thumbnail-started")) << "the images ran beside the transcode";
  EXPECT_TRUE(fs::is_empty(dir / "out")) << "no poster or thumbnail without the ladder";
}

TEST(VideoFailure, TimeoutKillsFfmpegAndLeavesNothing) {
  const TempDir dir;
  const auto input = v::make_h264(dir.path(), "in.mp4", 320, 240, 4);
  VideoLimits limits;
  limits.transcode_timeout = 1s;
  // `-re` makes the real ffmpeg read the 4 s input at its own pace: it is still writing its
  // outputs when the 1 s limit kills it.
  limits.launcher = {"sh", "-c", "p=$1; shift; exec \"$p\" -re \"$@\"", "sh"};
  const auto probe = must(probe_video(input, "mov", VideoLimits{}));
  const auto out_dir = dir / "out";
  const auto r = make_video_renditions(input, "mov", probe, out_dir, limits);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kProcessingTimeout) << r.error().message;
  EXPECT_EQ(r.error().message.rfind("transcoding to 720p failed: ffmpeg was stopped after the time "
                                    "limit of 1 s",
                                    0),
            0U)
      << r.error().message;
  EXPECT_EQ(r.error().hint, kTimeoutHint);
  EXPECT_TRUE(fs::is_empty(out_dir)) << "no partial output file";
  EXPECT_TRUE(v::processes_mentioning(dir.path().string()).empty()) << "no leftover process";
}

TEST(VideoFailure, EveryRefusalIsTypedAndExplained) {
  const TempDir dir;
  const auto truncated = dir / "truncated.mp4";
  fs::copy_file(v::make_h264(dir.path(), "whole.mp4", 320, 240, 1), truncated);
  fs::resize_file(truncated, 1000);
  const auto text = dir / "notes.mp4";
  v::write_file(text, "just some text, not a video\n");
  VideoLimits short_limit;
  short_limit.max_duration = 1s;
  const auto long_video = v::make_h264(dir.path(), "long.mp4", 160, 120, 3, false);

  const std::vector<core::Result<VideoProbe>> results = {
      probe_video(truncated, "mov", VideoLimits{}), probe_video(text, "mov", VideoLimits{}),
      probe_video(text, "hls", VideoLimits{}), probe_video(long_video, "mov", short_limit),
      probe_video(dir / "missing.mp4", "mov", VideoLimits{})};
  for (const auto& r : results) {
    ASSERT_FALSE(r);
    const auto code = r.error().code;
    EXPECT_TRUE(code == ErrorCode::kCorruptMedia || code == ErrorCode::kUnsupportedFormat ||
                code == ErrorCode::kVideoTooLong)
        << core::to_string(code);
    EXPECT_GT(r.error().message.size(), 20U) << r.error().message;
    EXPECT_FALSE(r.error().public_message.empty());
    EXPECT_FALSE(r.error().hint.empty()) << r.error().message;
  }
  expect_explained(results[0].error(), ErrorCode::kCorruptMedia, "reading the video",
                   "ffprobe exited with status", "Invalid data found");
}

}  // namespace
}  // namespace toq::media

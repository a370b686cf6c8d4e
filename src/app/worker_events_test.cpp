// The worker -> serve event protocol (worker_events.hpp): what a worker writes, serve reads back.

#include "app/worker_events.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace toq::app {
namespace {

TEST(WorkerEvents, EveryEventSurvivesTheRoundTrip) {
  for (const JobEvent& event :
       {JobEvent{JobStarted{}}, JobEvent{JobFinished{"failed", 12.5}},
        JobEvent{AssetFailed{"CORRUPT_MEDIA"}}, JobEvent{AssetDone{"video", 41.25}}}) {
    const std::string line = encode_event(event);
    ASSERT_TRUE(line.ends_with("\n"));
    EXPECT_EQ(line.find('\n'), line.size() - 1) << "one event, one line";
    EXPECT_LT(line.size(), 512U) << "below PIPE_BUF, so one write() never interleaves";
    EXPECT_EQ(decode_event(line), event) << line;
  }
}

TEST(WorkerEvents, TheWireIsTheDocumentedJson) {
  const auto line = nlohmann::json::parse(encode_event(JobFinished{"succeeded", 2}));
  EXPECT_EQ(line,
            (nlohmann::json{{"event", "job_finished"}, {"end", "succeeded"}, {"seconds", 2}}));
  EXPECT_EQ(nlohmann::json::parse(encode_event(JobStarted{})),
            (nlohmann::json{{"event", "job_started"}}));
  EXPECT_EQ(nlohmann::json::parse(encode_event(AssetDone{"photo", 1.5})),
            (nlohmann::json{{"event", "asset_done"}, {"kind", "photo"}, {"seconds", 1.5}}));
}

TEST(WorkerEvents, AnythingElseIsIgnoredAndMissingFieldsHaveDefaults) {
  EXPECT_FALSE(decode_event(""));
  EXPECT_FALSE(decode_event("not json"));
  EXPECT_FALSE(decode_event(R"(["job_started"])"));
  EXPECT_FALSE(decode_event(R"({"event":"job_paused"})"));
  EXPECT_FALSE(decode_event(R"({"event":42})"));
  EXPECT_FALSE(decode_event(R"({"event":"job_finished","seconds":"soon"})"));
  EXPECT_EQ(decode_event(R"({"event":"asset_failed"})"), JobEvent{AssetFailed{"INTERNAL_ERROR"}});
  EXPECT_EQ(decode_event(R"({"event":"asset_done"})"), (JobEvent{AssetDone{"unknown", 0}}));
  EXPECT_EQ(decode_event(R"({"event":"job_finished","end":"released"})"),
            (JobEvent{JobFinished{"released", 0}}));
}

}  // namespace
}  // namespace toq::app

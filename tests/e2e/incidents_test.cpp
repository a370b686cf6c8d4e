// The four incidents of the platform's earlier attempt (DEVELOPERS.md), each as a named regression
// test on the real service over HTTP: the real binary, its worker children, real corpus media.

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "e2e/e2e_fixture.hpp"

namespace toq::e2e {
namespace {

class Incidents : public ServiceTest {};

std::vector<InputFile> small_batch(int seed) {
  return {
      load({"p-1", seed % 2 == 0 ? "jpeg_baseline.jpg" : "jpeg_exif_gps.jpg", "PHOTO_HORIZONTAL",
            "image/jpeg", "IMG_1.jpg", "Sala", 1}),
      load({"p-2", "jpeg_progressive.jpg", "PHOTO_VERTICAL", "image/jpeg", "IMG_2.jpg", "Quarto",
            1}),
      load({"v-1", "video_no_audio.mp4", "VIDEO_HORIZONTAL", "video/mp4", "tour.mp4", "Tour", 1}),
  };
}

// Incident 1: a batch READY without its archive. Every READY batch has its ZIP recorded on the
// job, present in the store, downloadable and valid.
TEST_F(Incidents, Incident_ZipAlwaysProducedForReady) {
  std::vector<std::pair<std::int64_t, std::int64_t>> batches;
  for (int i = 0; i < 3; ++i) {
    const std::int64_t listing = 100 + i;
    client_->register_listing(listing);
    batches.emplace_back(listing, client_->submit(listing, small_batch(i)));
  }
  for (const auto& [listing, batch] : batches) {
    const auto status = client_->wait_terminal(listing, batch);
    ASSERT_EQ(status.at("status"), "READY") << status.dump(1);
    auto downloads = client_->downloads(listing, batch, client_->owner());
    ASSERT_EQ(downloads.raw.status, 200) << downloads.raw.body;
    check_zip(downloads.body, listing, small_batch(static_cast<int>(listing - 100)));
  }
  // From the database: no READY batch whose latest job lacks an archive that exists in the store.
  const auto ready = sql(data_dir(),
                         "SELECT b.id AS batch, j.archive_key, j.archive_bytes FROM batches b "
                         "JOIN jobs j ON j.batch_id = b.id AND j.run = (SELECT max(run) FROM jobs "
                         "WHERE batch_id = b.id) WHERE b.status = 'READY'");
  ASSERT_EQ(ready.size(), batches.size());
  for (const auto& r : ready) {
    ASSERT_FALSE(r.at("archive_key").is_null()) << r.dump();
    const auto bytes = read_object(data_dir(), r.at("archive_key"));
    EXPECT_EQ(static_cast<std::int64_t>(bytes.size()), r.at("archive_bytes").get<std::int64_t>());
    const auto copy = tmp_.path() / "stored.zip";
    write_file(copy, bytes);
    run_ok("unzip -tq " + shell_quote(copy.string()));
  }
}

// Incident 2: every completion created two job rows, the first without a start time. Twenty
// concurrent completes of one batch: one 202, the rest 200 with the same job; one job row, which
// gets its started_at when it runs.
TEST_F(Incidents, Incident_OneJobPerCompletionWithStartedAt) {
  const std::int64_t listing = 200;
  client_->register_listing(listing);
  const auto inputs = small_batch(0);
  const auto created = client_->create(listing, inputs);
  const auto parts = Client::upload(created, inputs);
  const std::int64_t batch = created.at("batchId");
  client_->photographer();  // the token, made before the race

  constexpr int kCallers = 20;
  std::vector<testing::ApiReply> replies(kCallers);
  std::atomic<bool> go{false};
  std::vector<std::thread> callers;
  for (int i = 0; i < kCallers; ++i) {
    callers.emplace_back([&, i] {
      while (!go.load()) std::this_thread::yield();
      replies[static_cast<std::size_t>(i)] = client_->complete(listing, batch, parts);
    });
  }
  go.store(true);
  for (auto& t : callers) t.join();
  int accepted = 0;
  std::set<std::int64_t> job_ids;
  for (const auto& r : replies) {
    ASSERT_TRUE(r.raw.status == 202 || r.raw.status == 200) << r.raw.status << " " << r.raw.body;
    accepted += r.raw.status == 202 ? 1 : 0;
    job_ids.insert(r.body.at("jobId").get<std::int64_t>());
  }
  EXPECT_EQ(accepted, 1);
  ASSERT_EQ(job_ids.size(), 1U);
  EXPECT_EQ(jobs_of(batch).size(), 1U);

  const auto status = client_->wait_terminal(listing, batch);
  ASSERT_EQ(status.at("status"), "READY") << status.dump(1);
  const auto jobs = jobs_of(batch);
  ASSERT_EQ(jobs.size(), 1U) << jobs.dump();
  EXPECT_EQ(jobs[0].at("id"), *job_ids.begin());
  EXPECT_EQ(jobs[0].at("run"), 1);
  ASSERT_FALSE(jobs[0].at("started_at").is_null());
  ASSERT_FALSE(jobs[0].at("completed_at").is_null());
  EXPECT_LE(jobs[0].at("created_at").get<std::int64_t>(),
            jobs[0].at("started_at").get<std::int64_t>());
  EXPECT_LE(jobs[0].at("started_at").get<std::int64_t>(),
            jobs[0].at("completed_at").get<std::int64_t>());
  EXPECT_FALSE(status.at("job").at("startedAt").is_null());
  // A complete after the end is still idempotent.
  auto again = client_->complete(listing, batch, parts);
  EXPECT_EQ(again.raw.status, 200) << again.raw.body;
  EXPECT_EQ(again.body.at("jobId"), *job_ids.begin());
  EXPECT_EQ(jobs_of(batch).size(), 1U);
}

// Incident 3: a "finalization" step fed processed keys back into the thumbnail step as raw keys.
// After a run and a retry: the first job's outputs are untouched byte for byte, every rendition of
// the retry is under its own job prefix, the retry made exactly the same set of renditions with
// the same sizes, and measured the raw uploads (a rendition read as input would have the
// rendition's size).
TEST_F(Incidents, Incident_NoOutputKeyProcessedAsInput) {
  const std::int64_t listing = 300;
  client_->register_listing(listing);
  const std::vector<InputFile> inputs = {
      load({"p-1", "photo_bridge.jpg", "PHOTO_HORIZONTAL", "image/jpeg", "bridge.jpg", "Ponte", 1}),
      load({"v-1", "video_h264_aac.mp4", "VIDEO_HORIZONTAL", "video/mp4", "tour.mp4", "Tour", 1}),
  };
  const std::int64_t batch = client_->submit(listing, inputs);
  const auto first = client_->wait_terminal(listing, batch);
  ASSERT_EQ(first.at("status"), "READY") << first.dump(1);
  const std::int64_t job1 = first.at("job").at("jobId");
  const std::string prefix = batch_prefix(listing, batch);
  const auto out1 = prefix + "out/" + std::to_string(job1) + "/";
  const auto job1_objects = objects_under(data_dir(), out1);
  const auto job1_renditions = renditions_of(data_dir(), batch, job1);
  ASSERT_FALSE(job1_renditions.empty());

  auto retried = client_->retry(listing, batch);
  ASSERT_EQ(retried.raw.status, 202) << retried.raw.body;
  const std::int64_t job2 = retried.body.at("jobId");
  ASSERT_NE(job2, job1);
  const auto second = client_->wait_terminal(listing, batch, job2);
  ASSERT_EQ(second.at("status"), "READY") << second.dump(1);

  EXPECT_EQ(objects_under(data_dir(), out1), job1_objects) << "job 1's outputs changed";
  const auto out2 = prefix + "out/" + std::to_string(job2) + "/";
  const auto job2_renditions = renditions_of(data_dir(), batch, job2);
  ASSERT_EQ(job2_renditions.size(), job1_renditions.size());
  std::map<std::string, std::pair<int, int>> sizes1;
  for (const auto& [key, r] : job1_renditions) {
    EXPECT_TRUE(key.starts_with(out1)) << key;
    sizes1[std::to_string(r.at("asset_id").get<std::int64_t>()) + "/" +
           r.at("name").get<std::string>() + "." + r.at("format").get<std::string>()] = {
        r.at("width"), r.at("height")};
  }
  std::set<std::string> expected = {out2 + "archive.zip"};
  for (const auto& [key, r] : job2_renditions) {
    const std::string id = std::to_string(r.at("asset_id").get<std::int64_t>()) + "/" +
                           r.at("name").get<std::string>() + "." +
                           r.at("format").get<std::string>();
    EXPECT_TRUE(key.starts_with(out2 + std::to_string(r.at("asset_id").get<std::int64_t>()) + "/"))
        << key;
    EXPECT_EQ(key.find("/out/", out2.size()), std::string::npos) << key;
    ASSERT_TRUE(sizes1.contains(id)) << id;
    EXPECT_EQ(sizes1[id], std::make_pair(r.at("width").get<int>(), r.at("height").get<int>()))
        << id;
    expected.insert(key);
  }
  if (aws_backend_requested()) {
    // The AWS pipeline also keeps each asset's result document and the archive's beside them.
    for (const auto& a : second.at("assets")) {
      expected.insert(out2 + std::to_string(a.at("assetId").get<std::int64_t>()) + "/result.json");
    }
    expected.insert(out2 + "archive.json");
  }
  std::set<std::string> found;
  for (const auto& [key, sha] : objects_under(data_dir(), out2)) found.insert(key);
  EXPECT_EQ(found, expected) << "job 2 wrote exactly its renditions and its ZIP";
  // The raw uploads are where they were, unchanged, and are what both runs measured.
  for (const auto& a : second.at("assets")) {
    const auto in = std::find_if(inputs.begin(), inputs.end(), [&](const InputFile& f) {
      return f.client_id == a.at("clientId").get<std::string>();
    });
    ASSERT_NE(in, inputs.end());
    const auto raw = prefix + "raw/" + std::to_string(a.at("assetId").get<std::int64_t>());
    EXPECT_TRUE(read_object(data_dir(), raw) == in->data) << raw;
    const bool video = in->media_type.starts_with("VIDEO");
    EXPECT_EQ(a.at("width"), video ? 640 : 4352);
    EXPECT_EQ(a.at("height"), video ? 360 : 2448);
  }
  // Nothing was ever written under raw/ except the uploads.
  EXPECT_EQ(objects_under(data_dir(), prefix + "raw/").size(), inputs.size());
}

// Incident 4: a phone video failed with nothing but DERIVATIVE_ERRORS_DETECTED. A damaged video
// through the whole service: the asset's code, a message naming the step and quoting the tool's
// diagnostics, a hint; the generic code nowhere.
TEST_F(Incidents, Incident_FailingVideoReportsStepDiagnosticsAndHint) {
  const std::int64_t listing = 400;
  client_->register_listing(listing);
  const std::vector<InputFile> inputs = {
      // Probing succeeds (the moov is whole); decoding the cut mdat fails in ffmpeg.
      load({"v-1", "mp4_truncated_faststart.mp4", "VIDEO_HORIZONTAL", "video/mp4",
            "VID_20250101.mp4", "Tour", 1}),
      // No moov at all: ffprobe fails.
      load({"v-2", "mp4_truncated.mp4", "VIDEO_HORIZONTAL", "video/mp4", "VID_20250102.mp4",
            "Tour 2", 2}),
      load({"p-1", "jpeg_baseline.jpg", "PHOTO_HORIZONTAL", "image/jpeg", "IMG_1.jpg", "Sala", 1}),
  };
  const std::int64_t batch = client_->submit(listing, inputs);
  const auto status = client_->wait_terminal(listing, batch);
  ASSERT_EQ(status.at("status"), "FAILED") << status.dump(1);
  const auto text = status.dump();
  EXPECT_EQ(text.find("DERIVATIVE_ERRORS_DETECTED"), std::string::npos) << text;
  int videos = 0;
  for (const auto& a : status.at("assets")) {
    SCOPED_TRACE(a.dump(1));
    if (a.at("clientId") == "p-1") {
      EXPECT_EQ(a.at("status"), "READY");
      continue;
    }
    ++videos;
    ASSERT_EQ(a.at("status"), "FAILED");
    const auto& e = a.at("error");
    const std::string code = e.at("code");
    EXPECT_TRUE(code == "CORRUPT_MEDIA" || code == "VIDEO_TRANSCODE_FAILED") << code;
    const std::string message = e.at("message");
    const std::string tool = a.at("clientId") == "v-1" ? "ffmpeg" : "ffprobe";
    EXPECT_NE(message.find(tool), std::string::npos) << "names the tool: " << message;
    EXPECT_NE(message.find("diagnostics"), std::string::npos) << "quotes the tool: " << message;
    // The step: the faststart file fails while transcoding, the other while reading (probing).
    EXPECT_NE(message.find(a.at("clientId") == "v-1" ? "transcod" : "reading"), std::string::npos)
        << message;
    EXPECT_GE(e.at("hint").get<std::string>().size(), 20U);
  }
  EXPECT_EQ(videos, 2);
  if (aws_backend_requested()) {
    // No worker here: the asset task recorded the failing step beside the code, with the tool's
    // exit status and diagnostics, in each failed asset's result document.
    const std::int64_t job = status.at("job").at("jobId");
    for (const auto& a : status.at("assets")) {
      if (a.at("status") != "FAILED") continue;
      const auto key = batch_prefix(listing, batch) + "out/" + std::to_string(job) + "/" +
                       std::to_string(a.at("assetId").get<std::int64_t>()) + "/result.json";
      const auto document = nlohmann::json::parse(read_object(data_dir(), key));
      const auto& failure = document.at("failure");
      SCOPED_TRACE(document.dump(1));
      EXPECT_EQ(failure.at("code"), a.at("error").at("code"));
      EXPECT_FALSE(failure.at("step").get<std::string>().empty());
      const auto& tail = failure.at("diagnosticsTail");
      EXPECT_TRUE(tail.is_string() && !tail.get<std::string>().empty());
    }
  } else {
    // The worker logged the failing step beside the code.
    const auto logged = server_->find_log("asset processed", "code", "CORRUPT_MEDIA");
    ASSERT_TRUE(logged.has_value()) << server_->log_text();
    EXPECT_FALSE(logged->value("step", "").empty()) << logged->dump();
  }
  const auto jobs = jobs_of(batch);
  ASSERT_EQ(jobs.size(), 1U);
  EXPECT_NE(jobs[0].at("error_code"), "DERIVATIVE_ERRORS_DETECTED");
}

}  // namespace
}  // namespace toq::e2e

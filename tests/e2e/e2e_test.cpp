// End to end on the real binary: `toq-media serve` with its worker children, real
// corpus media uploaded through the presigned URLs exactly as a browser would (single PUT with the
// given headers; multipart parts keeping their ETags), processing in the background, and the
// outcome checked from the outside: status, downloads, the ZIP and its manifest, every variant,
// the listing, the signed webhook, and the job rows in the database.

#include <chrono>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "e2e/e2e_fixture.hpp"

namespace toq::e2e {
namespace {

// A real Debian photograph above 5 MiB (Infinite-Sea_by_Aury88.jpg, 4096x4096, 6.7 MB, from the
// lomiri-wallpapers-20.04 package the corpus fixture already fetched), so that with 5 MiB parts
// the upload is a real two-part multipart upload.
InputFile large_photo(const std::filesystem::path& into) {
  const char* cache_env = std::getenv("TOQ_CORPUS_CACHE");
  const std::filesystem::path cache = cache_env && *cache_env
                                          ? std::filesystem::path(cache_env)
                                          : corpus_dir().parent_path() / "corpus-debs";
  std::filesystem::path deb;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(cache, ec)) {
    const auto name = e.path().filename().string();
    if (name.starts_with("lomiri-wallpapers-20.04_") && name.ends_with(".deb")) deb = e.path();
  }
  if (deb.empty()) {
    throw std::runtime_error("lomiri-wallpapers-20.04 not in " + cache.string() +
                             " (the media_corpus fixture fetches it; TOQ_CORPUS_NO_DEBIAN=1 "
                             "cannot run this test)");
  }
  const auto out = into / "Infinite-Sea_by_Aury88.jpg";
  run_ok("dpkg-deb --fsys-tarfile " + shell_quote(deb.string()) +
         " | tar -xO ./usr/share/backgrounds/Infinite-Sea_by_Aury88.jpg > " +
         shell_quote(out.string()));
  InputFile f{"p-4",          "", "PHOTO_HORIZONTAL", "image/jpeg", "Infinite-Sea_by_Aury88.jpg",
              "Vista do mar", 4};
  f.data = read_file(out);
  return f;
}

class EndToEnd : public ServiceTest {
 protected:
  std::map<std::string, std::string> settings() const override {
    return {{"TOQ_MEDIA_STORAGE_MULTIPART_THRESHOLD_BYTES", "5MiB"},
            {"TOQ_MEDIA_STORAGE_PART_SIZE_BYTES", "5MiB"}};
  }
};

TEST_F(EndToEnd, ReadyBatchOfRealMediaThenRetryUnderANewJob) {
  const auto started = std::chrono::steady_clock::now();
  const std::int64_t listing = 28;
  client_->register_listing(listing);

  const std::vector<InputFile> inputs = {
      load({"p-1", "photo_kleiber.jpg", "PHOTO_HORIZONTAL", "image/jpeg",
            "Kleiber_by_Lukas_Baubkus.jpg", "Sala de estar", 1}),
      load({"p-2", "photo_wine_vertical.jpg", "PHOTO_VERTICAL", "image/jpeg",
            "Wine_by_Jakkub_Mede.jpg", "Adega", 1}),
      load({"p-3", "jpeg_orientation_6.jpg", "PHOTO_HORIZONTAL", "image/jpeg", "IMG_0106.JPG",
            "Varanda", 2}),
      large_photo(tmp_.path()),
      load({"v-1", "video_h264_aac.mp4", "VIDEO_HORIZONTAL", "video/mp4", "tour.mp4",
            "Tour pela casa", 1}),
      load({"v-2", "video_rotated_vertical.mp4", "VIDEO_VERTICAL", "video/mp4", "IMG_4411.MOV",
            "Tour vertical", 1}),
  };
  // Displayed sizes (EXIF orientation / rotation metadata applied), from corpus.json.
  const std::map<std::string, std::pair<int, int>> upright = {
      {"p-1", {6028, 3391}}, {"p-2", {2560, 3837}}, {"p-3", {600, 400}},
      {"p-4", {4096, 4096}}, {"v-1", {640, 360}},   {"v-2", {360, 640}}};
  ASSERT_GT(inputs[3].data.size(), 5U << 20U);

  // Upload as the photographer's page does.
  const auto created = client_->create(listing, inputs);
  int multipart_files = 0;
  const auto parts = Client::upload(created, inputs, &multipart_files);
  EXPECT_EQ(multipart_files, 1);
  ASSERT_EQ(parts.size(), 1U);
  EXPECT_EQ(parts[0].at("clientId"), "p-4");
  EXPECT_EQ(parts[0].at("parts").size(), 2U);
  const std::int64_t batch = created.at("batchId");
  auto done = client_->complete(listing, batch, parts);
  ASSERT_EQ(done.raw.status, 202) << done.raw.body;
  const std::int64_t job = done.body.at("jobId");
  EXPECT_TRUE(done.body.at("status") == "RECEIVED" || done.body.at("status") == "PROCESSING");

  const auto status = client_->wait_terminal(listing, batch);
  ASSERT_EQ(status.at("status"), "READY") << status.dump(1);
  EXPECT_EQ(status.at("job").at("jobId"), job);
  EXPECT_EQ(status.at("job").at("status"), "SUCCEEDED");
  EXPECT_FALSE(status.at("job").at("startedAt").is_null());
  EXPECT_FALSE(status.at("job").at("completedAt").is_null());
  EXPECT_EQ(status.at("progress").at("ready"), inputs.size());
  EXPECT_EQ(status.at("progress").at("failed"), 0);
  for (const auto& a : status.at("assets")) {
    EXPECT_EQ(a.at("status"), "READY") << a.dump();
    const auto [w, h] = upright.at(a.at("clientId"));
    EXPECT_EQ(a.at("width"), w) << a.dump();
    EXPECT_EQ(a.at("height"), h) << a.dump();
  }

  // Downloads, the ZIP, every variant.
  auto downloads = client_->downloads(listing, batch, client_->owner());
  ASSERT_EQ(downloads.raw.status, 200) << downloads.raw.body;
  const auto manifest = check_zip(downloads.body, listing, inputs);
  EXPECT_EQ(manifest.at("jobId"), job);
  int fetched = 0;
  auto as_photographer = client_->downloads(listing, batch, client_->photographer());
  ASSERT_EQ(as_photographer.raw.status, 200);
  check_variants(as_photographer.body, inputs, upright, status, &fetched);
  std::cout << "variants fetched and measured: " << fetched << std::endl;
  EXPECT_GE(fetched, 4 * 8 + 2 * 3);

  // The listing moved, and the platform heard about it through a signed webhook.
  EXPECT_EQ(client_->listing_status(listing), "PENDING_OWNER_APPROVAL");
  const auto ready = wait_delivery("media.batch.ready", batch, job);
  EXPECT_TRUE(ready.at("_verified").get<bool>()) << ready.dump();
  EXPECT_EQ(ready.at("listingIdentityId"), listing);
  EXPECT_EQ(ready.at("listingStatus"), "PENDING_OWNER_APPROVAL");

  // One job row, started and completed, with its archive in the store.
  auto jobs = jobs_of(batch);
  ASSERT_EQ(jobs.size(), 1U) << jobs.dump();
  EXPECT_EQ(jobs[0].at("id"), job);
  EXPECT_EQ(jobs[0].at("status"), "SUCCEEDED");
  EXPECT_FALSE(jobs[0].at("started_at").is_null());
  EXPECT_FALSE(jobs[0].at("completed_at").is_null());
  const std::string prefix = batch_prefix(listing, batch);
  EXPECT_EQ(jobs[0].at("archive_key"), prefix + "out/" + std::to_string(job) + "/archive.zip");
  const auto job1_outputs = objects_under(data_dir(), prefix + "out/" + std::to_string(job) + "/");
  const auto job1_renditions = renditions_of(data_dir(), batch, job);
  EXPECT_FALSE(job1_renditions.empty());
  std::cout << "first run: " << job1_renditions.size() << " renditions, " << job1_outputs.size()
            << " objects under out/" << job << "/ ("
            << std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() -
                                                                started)
                   .count()
            << " s so far)" << std::endl;

  // Retry of the READY batch: a new job (run 2) under its own prefix; the first job's outputs
  // stay as they were, byte for byte.
  auto retried = client_->retry(listing, batch);
  ASSERT_EQ(retried.raw.status, 202) << retried.raw.body;
  const std::int64_t job2 = retried.body.at("jobId");
  EXPECT_NE(job2, job);
  const auto status2 = client_->wait_terminal(listing, batch, job2);
  ASSERT_EQ(status2.at("status"), "READY") << status2.dump(1);
  jobs = jobs_of(batch);
  ASSERT_EQ(jobs.size(), 2U) << jobs.dump();
  EXPECT_EQ(jobs[1].at("id"), job2);
  EXPECT_EQ(jobs[1].at("run"), 2);
  EXPECT_EQ(jobs[1].at("status"), "SUCCEEDED");
  EXPECT_FALSE(jobs[1].at("started_at").is_null());
  EXPECT_EQ(objects_under(data_dir(), prefix + "out/" + std::to_string(job) + "/"), job1_outputs);
  const auto job2_renditions = renditions_of(data_dir(), batch, job2);
  EXPECT_EQ(job2_renditions.size(), job1_renditions.size());
  std::set<std::string> expected_objects = {prefix + "out/" + std::to_string(job2) +
                                            "/archive.zip"};
  for (const auto& [key, r] : job2_renditions) {
    EXPECT_TRUE(key.starts_with(prefix + "out/" + std::to_string(job2) + "/" +
                                std::to_string(r.at("asset_id").get<std::int64_t>()) + "/"))
        << key;
    expected_objects.insert(key);
  }
  if (aws_backend_requested()) {
    // The AWS pipeline also keeps each asset's result document and the archive's beside them.
    for (const auto& a : status2.at("assets")) {
      expected_objects.insert(prefix + "out/" + std::to_string(job2) + "/" +
                              std::to_string(a.at("assetId").get<std::int64_t>()) + "/result.json");
    }
    expected_objects.insert(prefix + "out/" + std::to_string(job2) + "/archive.json");
  }
  std::set<std::string> job2_objects;
  for (const auto& [key, sha] :
       objects_under(data_dir(), prefix + "out/" + std::to_string(job2) + "/")) {
    job2_objects.insert(key);
  }
  EXPECT_EQ(job2_objects, expected_objects);
  if (aws_backend_requested()) {
    // Exactly one execution per job run, named as the contract says, both finished.
    const auto state = Client::get(backends_->rehearsal_url() + "/_rehearsal/state");
    ASSERT_EQ(state.status, 200) << state.body;
    std::map<std::string, std::string> executions;
    const auto body = nlohmann::json::parse(state.body);
    for (const auto& e : body.at("executions")) {
      executions[e.at("name").get<std::string>()] = e.at("status").get<std::string>();
    }
    const std::map<std::string, std::string> expected_executions = {
        {"job-" + std::to_string(job) + "-r1", "SUCCEEDED"},
        {"job-" + std::to_string(job2) + "-r2", "SUCCEEDED"}};
    EXPECT_EQ(executions, expected_executions);
  }
  // The assets' measured facts are those of the raw uploads (an output read as input would shrink
  // them to a rendition's size).
  for (const auto& a : status2.at("assets")) {
    const auto [w, h] = upright.at(a.at("clientId"));
    EXPECT_EQ(a.at("width"), w) << a.dump();
    EXPECT_EQ(a.at("height"), h) << a.dump();
  }
  auto downloads2 = client_->downloads(listing, batch, client_->owner());
  ASSERT_EQ(downloads2.raw.status, 200);
  EXPECT_EQ(check_zip(downloads2.body, listing, inputs).at("jobId"), job2);
  const auto ready2 = wait_delivery("media.batch.ready", batch, job2);
  EXPECT_TRUE(ready2.at("_verified").get<bool>());
  std::cout << "total: "
            << std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() -
                                                                started)
                   .count()
            << " s" << std::endl;
}

TEST_F(EndToEnd, FailedBatchReportsTheAssetCodeAndLeavesTheListing) {
  const std::int64_t listing = 29;
  client_->register_listing(listing);
  const std::vector<InputFile> inputs = {
      load({"p-1", "jpeg_truncated.jpg", "PHOTO_HORIZONTAL", "image/jpeg", "IMG_2907.jpg",
            "Cozinha", 1}),
      load({"p-2", "jpeg_baseline.jpg", "PHOTO_HORIZONTAL", "image/jpeg", "IMG_2908.jpg", "Sala",
            2}),
      load({"p-3", "jpeg_progressive.jpg", "PHOTO_VERTICAL", "image/jpeg", "DSC_0042.jpg",
            "Corredor", 1}),
  };
  const std::int64_t batch = client_->submit(listing, inputs);
  const auto status = client_->wait_terminal(listing, batch);
  ASSERT_EQ(status.at("status"), "FAILED") << status.dump(1);
  EXPECT_EQ(status.at("progress").at("failed"), 1);
  EXPECT_EQ(status.at("progress").at("ready"), 2);
  for (const auto& a : status.at("assets")) {
    if (a.at("clientId") == "p-1") {
      EXPECT_EQ(a.at("status"), "FAILED");
      EXPECT_EQ(a.at("error").at("code"), "CORRUPT_MEDIA") << a.dump();
      EXPECT_FALSE(a.at("error").at("message").get<std::string>().empty());
      EXPECT_FALSE(a.at("error").at("hint").get<std::string>().empty());
    } else {
      EXPECT_EQ(a.at("status"), "READY") << a.dump();
      EXPECT_TRUE(a.at("error").is_null());
    }
  }
  const std::int64_t job = status.at("job").at("jobId");
  EXPECT_EQ(status.at("job").at("status"), "FAILED");
  const auto failed = wait_delivery("media.batch.failed", batch, job);
  EXPECT_TRUE(failed.at("_verified").get<bool>()) << failed.dump();
  EXPECT_TRUE(deliveries("media.batch.ready", batch).empty());
  EXPECT_EQ(client_->listing_status(listing), "PENDING_PHOTO_PROCESSING");
  auto downloads = client_->downloads(listing, std::nullopt, client_->owner());
  EXPECT_EQ(downloads.raw.status, 204) << downloads.raw.body;
  EXPECT_TRUE(downloads.raw.body.empty());
  const auto jobs = jobs_of(batch);
  ASSERT_EQ(jobs.size(), 1U);
  EXPECT_EQ(jobs[0].at("status"), "FAILED");
  EXPECT_EQ(jobs[0].at("error_code"), "CORRUPT_MEDIA");
  EXPECT_FALSE(jobs[0].at("started_at").is_null());
  EXPECT_FALSE(jobs[0].at("completed_at").is_null());
  EXPECT_TRUE(jobs[0].at("archive_key").is_null()) << "no ZIP for a FAILED batch";
  // No traceparent was sent: the complete call's generated one is the job's, the libvips
  // failure record's and the webhook's.
  const std::string trace = jobs[0].at("traceparent");
  EXPECT_EQ(trace.size(), 55U) << trace;
  const auto failures =
      sql(data_dir(), "SELECT client_id, error_traceparent FROM assets WHERE batch_id = " +
                          std::to_string(batch) + " AND status = 'FAILED'");
  ASSERT_EQ(failures.size(), 1U);
  EXPECT_EQ(failures[0].at("error_traceparent"), trace);
  EXPECT_EQ(failed.at("_traceparent"), trace);

  // A FAILED batch can be retried: a new job (run 2) under its own prefix, from the raw uploads;
  // the damaged file fails the same way again, and the first job's outputs stay as they were.
  const std::string prefix = batch_prefix(listing, batch);
  const auto job1_outputs = objects_under(data_dir(), prefix + "out/" + std::to_string(job) + "/");
  EXPECT_FALSE(job1_outputs.empty()) << "the READY assets of run 1 have renditions";
  auto retried = client_->retry(listing, batch);
  ASSERT_EQ(retried.raw.status, 202) << retried.raw.body;
  const std::int64_t job2 = retried.body.at("jobId");
  const auto status2 = client_->wait_terminal(listing, batch, job2);
  ASSERT_EQ(status2.at("status"), "FAILED") << status2.dump(1);
  EXPECT_EQ(status2.at("progress").at("ready"), 2);
  const auto jobs2 = jobs_of(batch);
  ASSERT_EQ(jobs2.size(), 2U);
  EXPECT_EQ(jobs2[1].at("run"), 2);
  EXPECT_EQ(jobs2[1].at("error_code"), "CORRUPT_MEDIA");
  EXPECT_EQ(objects_under(data_dir(), prefix + "out/" + std::to_string(job) + "/"), job1_outputs);
  const auto job2_renditions = renditions_of(data_dir(), batch, job2);
  EXPECT_EQ(job2_renditions.size(), renditions_of(data_dir(), batch, job).size());
  for (const auto& [key, r] : job2_renditions) {
    EXPECT_TRUE(key.starts_with(prefix + "out/" + std::to_string(job2) + "/")) << key;
  }
  EXPECT_TRUE(wait_delivery("media.batch.failed", batch, job2).at("_verified").get<bool>());
  EXPECT_EQ(client_->listing_status(listing), "PENDING_PHOTO_PROCESSING");
  if (aws_backend_requested()) {
    // The AWS mode's /metrics: two runs relayed, both reported FAILED by the pipeline. serve
    // observed each applied report: the damaged photo's code once per run, each run's time, and
    // the time of all three photos of each run (every one wrote its result document).
    const auto metrics = scrape();
    EXPECT_EQ(sample(metrics, "media_executions_started_total"), 2) << metrics;
    EXPECT_EQ(sample(metrics, "media_executions_failed_total{reason=\"reported\"}"), 2) << metrics;
    EXPECT_EQ(sample(metrics, "media_executions_failed_total{reason=\"overdue\"}"), 0) << metrics;
    EXPECT_EQ(sample(metrics, "media_batches_failed_total"), 2) << metrics;
    EXPECT_EQ(sample(metrics, "media_execution_starts_pending"), 0) << metrics;
    EXPECT_EQ(sample(metrics, "media_assets_failed_total{code=\"CORRUPT_MEDIA\"}"), 2) << metrics;
    EXPECT_EQ(sample(metrics, "media_processing_duration_seconds_count"), 2) << metrics;
    EXPECT_GT(sample(metrics, "media_processing_duration_seconds_sum"), 0) << metrics;
    EXPECT_EQ(sample(metrics, "media_asset_processing_duration_seconds_count{kind=\"photo\"}"), 6)
        << metrics;
    EXPECT_EQ(sample(metrics, "media_processing_inflight_jobs"), 0) << metrics;
  }
}

// One W3C traceparent, sent by the photographer's page on create and complete, followed through
// the service: echoed by both calls, stored with the job, on the worker process's lines (its
// claim, every asset, the ZIP) and on the signed webhook's traceparent header; one grep of the
// log (serve and its workers write to the same stderr) finds every stage.
TEST_F(EndToEnd, OneTraceparentFollowsAnUploadFromCreateToTheWebhook) {
  if (aws_backend_requested()) {
    GTEST_SKIP() << "the embedded worker's lines; the Lambda's are checked by deploy/aws's "
                    "lambda-runtime.test.ts";
  }
  const std::string trace = "00-5e0f1c2d3b4a69788796a5b4c3d2e1f0-7a6b5c4d3e2f1a0b-01";
  const std::vector<std::pair<std::string, std::string>> headers = {{"traceparent", trace}};
  const std::int64_t listing = 31;
  client_->register_listing(listing);
  const std::vector<InputFile> inputs = {
      load({"p-1", "jpeg_baseline.jpg", "PHOTO_HORIZONTAL", "image/jpeg", "IMG_2908.jpg", "Sala",
            1}),
      load({"v-1", "video_h264_aac.mp4", "VIDEO_HORIZONTAL", "video/mp4", "tour.mp4", "Tour", 1}),
  };
  const auto created = client_->create_call(listing, inputs, headers);
  EXPECT_EQ(created.raw.header("traceparent"), trace);
  const std::int64_t batch = created.body.at("batchId");
  const auto parts = Client::upload(created.body, inputs);
  const auto done = client_->complete(listing, batch, parts, headers);
  ASSERT_EQ(done.raw.status, 202) << done.raw.body;
  EXPECT_EQ(done.raw.header("traceparent"), trace);
  const std::int64_t job = done.body.at("jobId");

  const auto status = client_->wait_terminal(listing, batch);
  ASSERT_EQ(status.at("status"), "READY") << status.dump(1);
  const auto ready = wait_delivery("media.batch.ready", batch, job);
  EXPECT_TRUE(ready.at("_verified").get<bool>()) << ready.dump();
  EXPECT_EQ(ready.at("_traceparent"), trace) << "the webhook's traceparent header";
  const auto jobs = jobs_of(batch);
  ASSERT_EQ(jobs.size(), 1U);
  EXPECT_EQ(jobs[0].at("traceparent"), trace) << "stored with the job";

  // The webhook's own log line is written after the receiver answered: wait for it.
  const std::string grep = "grep -F " + shell_quote(trace) + " " + shell_quote(server_->log_path());
  std::vector<nlohmann::json> lines;
  for (int i = 0; i < 100; ++i) {
    lines.clear();
    std::istringstream out{run_ok(grep + " || true")};
    for (std::string line; std::getline(out, line);) {
      lines.push_back(nlohmann::json::parse(line));
    }
    const bool webhook_logged = std::any_of(lines.begin(), lines.end(), [](const auto& l) {
      return l.value("msg", "") == "webhook delivered";
    });
    if (webhook_logged) break;
    std::this_thread::sleep_for(std::chrono::milliseconds{100});
  }
  const auto stage = [&](const std::string& msg, const std::string& field = {},
                         const nlohmann::json& value = {}) {
    return std::count_if(lines.begin(), lines.end(), [&](const nlohmann::json& l) {
      if (l.value("msg", "") != msg) return false;
      if (l.at("traceparent") != trace) return false;
      return field.empty() || (l.contains(field) && l.at(field) == value);
    });
  };
  std::ostringstream all;
  for (const auto& l : lines) all << l.dump() << "\n";
  EXPECT_EQ(stage("request", "path", "/api/v2/listings/media/uploads"), 1) << all.str();
  EXPECT_EQ(stage("request", "batch_id", batch), 2) << "create and complete\n" << all.str();
  EXPECT_EQ(stage("request", "job_id", job), 1) << "complete\n" << all.str();
  EXPECT_EQ(stage("job claimed", "job_id", job), 1) << all.str();
  for (const auto& a : status.at("assets")) {
    EXPECT_EQ(stage("asset processed", "asset_id", a.at("assetId")), 1) << a.at("clientId") << "\n"
                                                                        << all.str();
  }
  EXPECT_EQ(stage("archive stored", "job_id", job), 1) << all.str();
  // The job's worker ends it once; a worker that helped with its items ends its own run too.
  EXPECT_EQ(stage("job run ended", "end", "succeeded"), 1) << all.str();
  EXPECT_EQ(stage("job run ended", "job_id", job), stage("job run ended")) << all.str();
  EXPECT_EQ(stage("webhook delivered", "batch_id", batch), 1) << all.str();
  // The worker's lines come from another process than serve's request lines.
  const auto claimed = std::find_if(lines.begin(), lines.end(), [](const nlohmann::json& l) {
    return l.value("msg", "") == "job claimed";
  });
  ASSERT_NE(claimed, lines.end());
  EXPECT_TRUE(claimed->contains("worker")) << claimed->dump();
}

// The worker -> serve events (in aws mode, the applied processing report) and the database gauges
// behind /metrics: one batch (a good photo and a damaged one) moves every counter and histogram it
// should, and the gauges return to an idle queue and an empty outbox once it is done and its
// webhook delivered.
class MetricsEndToEnd : public ServiceTest {};

TEST_F(MetricsEndToEnd, OneBatchMovesEveryCounterAndHistogram) {
  const std::string before = scrape();
  const std::int64_t listing = 33;
  client_->register_listing(listing);
  const std::vector<InputFile> inputs = {
      load({"p-1", "jpeg_truncated.jpg", "PHOTO_HORIZONTAL", "image/jpeg", "IMG_1.jpg", "Sala", 1}),
      load(
          {"p-2", "jpeg_baseline.jpg", "PHOTO_HORIZONTAL", "image/jpeg", "IMG_2.jpg", "Quarto", 2}),
  };
  const std::int64_t batch = client_->submit(listing, inputs);
  const auto status = client_->wait_terminal(listing, batch);
  ASSERT_EQ(status.at("status"), "FAILED") << status.dump(1);
  wait_delivery("media.batch.failed", batch, status.at("job").at("jobId"));

  // The relay marks the event delivered right after the receiver's 2xx: wait for that.
  std::string after = scrape();
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds{30};
  while (sample(after, "media_outbox_pending") != 0 && std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(std::chrono::milliseconds{200});
    after = scrape();
  }
  auto delta = [&](const std::string& series) {
    return sample(after, series) - sample(before, series);
  };
  EXPECT_EQ(delta("media_batches_created_total"), 1) << after;
  EXPECT_EQ(delta("media_batches_failed_total"), 1) << after;
  // The worker -> serve events; in aws mode, what serve observes of the applied report.
  EXPECT_EQ(delta("media_assets_failed_total{code=\"CORRUPT_MEDIA\"}"), 1) << after;
  EXPECT_EQ(delta("media_processing_duration_seconds_count"), 1) << after;
  EXPECT_GT(delta("media_processing_duration_seconds_sum"), 0) << after;
  EXPECT_EQ(delta("media_processing_duration_seconds_bucket{le=\"+Inf\"}"), 1) << after;
  EXPECT_EQ(delta("media_asset_processing_duration_seconds_count{kind=\"photo\"}"), 2) << after;
  EXPECT_GT(delta("media_asset_processing_duration_seconds_sum{kind=\"photo\"}"), 0) << after;
  EXPECT_EQ(sample(after, "media_processing_inflight_jobs"), 0) << after;
  EXPECT_EQ(sample(after, "media_jobs_queued"), 0) << after;
  EXPECT_EQ(sample(after, "media_jobs_running"), 0) << after;
  EXPECT_EQ(sample(after, "media_jobs_oldest_active_age_seconds"), 0) << after;
  EXPECT_EQ(sample(after, "media_outbox_pending"), 0) << after;
  EXPECT_EQ(sample(after, "media_outbox_oldest_pending_age_seconds"), 0) << after;
  EXPECT_GT(delta("http_requests_total{method=\"POST\",route=\"/api/v2/listings/media/uploads\","
                  "status=\"201\"}"),
            0)
      << after;
}

}  // namespace
}  // namespace toq::e2e

// Chaos on the real service: `toq-media serve` with two worker children and
// a 2-second lease processes batches of real photos and short videos while the test SIGKILLs a
// random worker at random moments (at least 20 times) and SIGKILLs the server itself (at least
// twice, then starts it again on the same data dir). Afterwards, from the database and the store:
// every batch READY, one job per batch, SUCCEEDED with started_at and completed_at, every
// rendition of an asset belongs to its batch's job and is exactly what the store holds under that
// job's prefix (no asset processed into two outputs), every archive.zip in the store is a whole,
// valid ZIP, every batch's media.batch.ready webhook arrived signed, and no worker outlives the
// final SIGTERM.

#include <chrono>
#include <iostream>
#include <random>
#include <set>

#include <gtest/gtest.h>
#include <signal.h>

#include "e2e/e2e_fixture.hpp"

namespace toq::e2e {
namespace {

using Clock = std::chrono::steady_clock;

std::vector<InputFile> chaos_batch(int n) {
  static const char* const kPhotos[] = {"jpeg_baseline.jpg", "jpeg_exif_gps.jpg", "webp_photo.webp",
                                        "jpeg_cmyk.jpg"};
  static const char* const kVideos[] = {"video_h264_aac.mp4", "video_no_audio.mp4",
                                        "video_black_start.mp4"};
  const std::string photo = kPhotos[n % 4];
  return {
      load({"p-1", photo, "PHOTO_HORIZONTAL",
            photo.ends_with(".webp") ? "image/webp" : "image/jpeg", photo, "Sala", 1}),
      load({"p-2", "jpeg_progressive.jpg", "PHOTO_VERTICAL", "image/jpeg", "IMG_2.jpg", "Quarto",
            1}),
      load({"p-3", "jpeg_orientation_8.jpg", "PHOTO_HORIZONTAL", "image/jpeg", "IMG_3.jpg",
            "Varanda", 2}),
      load({"v-1", kVideos[n % 3], "VIDEO_HORIZONTAL", "video/mp4", "tour.mp4", "Tour", 1}),
  };
}

TEST(Chaos, WorkersAndServerKilledWhileProcessingEveryBatchStillEndsReady) {
  constexpr int kWorkerKills = 20;
  constexpr int kServerKills = 2;
  // The supervisor backs off restarts of a worker that dies within 5 s of its start (crash-loop
  // guard); killing only workers at least that old keeps the restarts prompt.
  constexpr auto kMinWorkerAge = std::chrono::milliseconds{5200};
  const auto started = Clock::now();

  testing::TempDir tmp;
  const auto data_dir = tmp.path() / "data";
  const ServiceBackends backends(tmp.path() / "services", data_dir);
  webhook::testing::ReceiverProcess receiver(kWebhookSecret, tmp.path() / "webhooks.log");
  std::map<std::string, std::string> env = {
      {"TOQ_MEDIA_PROCESSING_WORKERS", "2"},
      {"TOQ_MEDIA_PROCESSING_LEASE_SECONDS", "2"},
      {"TOQ_MEDIA_PROCESSING_POLL_MILLIS", "100"},
      // Every kill costs the job one start; the default 5 would fail batches for good.
      {"TOQ_MEDIA_PROCESSING_MAX_ATTEMPTS", "100"},
      {"TOQ_MEDIA_WEBHOOKS_URL", receiver.url("/hooks/media")},
      {"TOQ_MEDIA_WEBHOOKS_SECRET", kWebhookSecret},
  };
  for (const auto& [k, v] : backends.env()) env[k] = v;
  int starts = 0;
  auto start_server = [&] {
    return std::make_unique<ServeProcess>(
        data_dir, env, tmp.path() / ("serve-" + std::to_string(++starts) + ".log"));
  };
  auto server = start_server();
  Client client(*server);

  std::vector<std::pair<std::int64_t, std::int64_t>> batches;  // (listing, batch)
  std::map<std::int64_t, std::size_t> assets_of;               // batch -> file count
  auto submit_wave = [&](int count) {
    for (int i = 0; i < count; ++i) {
      const std::int64_t listing = 500 + static_cast<std::int64_t>(batches.size());
      client.register_listing(listing);
      const auto files = chaos_batch(static_cast<int>(batches.size()));
      const auto batch = client.submit(listing, files);
      batches.emplace_back(listing, batch);
      assets_of[batch] = files.size();
    }
  };
  auto unfinished = [&] {
    const auto rows = sql(data_dir,
                          "SELECT count(*) AS n FROM batches WHERE status NOT IN "
                          "('READY', 'FAILED')");
    return rows.at(0).at("n").get<int>();
  };

  std::mt19937 rng(std::random_device{}());
  std::map<pid_t, Clock::time_point> first_seen;
  std::set<pid_t> every_worker;
  int worker_kills = 0;
  int server_kills = 0;
  submit_wave(4);
  while (true) {
    if (unfinished() == 0) {
      if (worker_kills >= kWorkerKills && server_kills >= kServerKills) break;
      submit_wave(2);
      continue;
    }
    std::this_thread::sleep_for(
        std::chrono::milliseconds{std::uniform_int_distribution<int>(100, 1200)(rng)});
    const auto now = Clock::now();
    const auto children = server->child_pids();
    for (const pid_t p : children) {
      first_seen.emplace(p, now);
      every_worker.insert(p);
    }
    // The server, twice, a third and two thirds of the way through the worker kills.
    if (server_kills < kServerKills &&
        worker_kills >= (server_kills + 1) * kWorkerKills / (kServerKills + 1)) {
      ASSERT_EQ(server->stop(SIGKILL), -1);
      ++server_kills;
      std::cout << "SIGKILL server #" << server_kills << " (pid had " << children.size()
                << " workers); starting it again on the same data dir" << std::endl;
      server = start_server();
      client.rebind(*server);
      continue;
    }
    std::vector<pid_t> eligible;
    for (const pid_t p : children) {
      if (now - first_seen[p] >= kMinWorkerAge) eligible.push_back(p);
    }
    if (eligible.empty() || unfinished() == 0) continue;
    const pid_t victim =
        eligible[std::uniform_int_distribution<std::size_t>(0, eligible.size() - 1)(rng)];
    ASSERT_EQ(::kill(victim, SIGKILL), 0);
    ++worker_kills;
    std::cout << "SIGKILL worker " << victim << " (#" << worker_kills << ", " << unfinished()
              << " batches unfinished)" << std::endl;
  }
  const auto processing_done = Clock::now();

  // Every batch's media.batch.ready reaches the platform, signed, whatever the kills did to the
  // relay (the outbox is in the database).
  auto ready_webhooks = [&] {
    std::map<std::int64_t, bool> out;  // batch -> signature verified
    for (const auto& r : receiver.requests()) {
      const auto body = nlohmann::json::parse(
          run_ok("echo " + shell_quote(r.value("body_b64", "")) + " | base64 -d"), nullptr, false);
      if (!body.is_object() || body.value("type", "") != "media.batch.ready") continue;
      auto& verified = out[body.value("batchId", std::int64_t{0})];
      verified = verified || r.value("verified", false);
    }
    return out;
  };
  for (const auto hooks_bound = Clock::now() + std::chrono::seconds{60};
       ready_webhooks().size() < batches.size() && Clock::now() < hooks_bound;) {
    std::this_thread::sleep_for(std::chrono::milliseconds{200});
  }
  const auto webhooks = ready_webhooks();

  // The final SIGTERM: a clean exit, and no worker left behind (also none of the workers that
  // the killed servers left: they get SIGTERM from the kernel and end with their job).
  EXPECT_EQ(server->stop(SIGTERM), 0);
  const std::string needle = "worker --data-dir " + std::filesystem::absolute(data_dir).string();
  const auto bound = Clock::now() + std::chrono::seconds{60};
  while (!processes_with(needle).empty() && Clock::now() < bound) {
    std::this_thread::sleep_for(std::chrono::milliseconds{100});
  }
  EXPECT_TRUE(processes_with(needle).empty()) << "toq-media worker processes left running";
  // Nor anything a killed worker had started (ffmpeg, ffprobe, isolated decoders) on its files.
  const std::string data_path = std::filesystem::absolute(data_dir).string() + "/";
  while (!processes_with(data_path).empty() && Clock::now() < bound) {
    std::this_thread::sleep_for(std::chrono::milliseconds{100});
  }
  for (const pid_t p : processes_with(data_path)) {
    std::ifstream in{"/proc/" + std::to_string(p) + "/cmdline"};
    std::string cmd((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ADD_FAILURE() << "process " << p << " still works on the data dir: " << cmd.c_str();
  }

  std::cout << "worker kills: " << worker_kills << ", server kills: " << server_kills
            << ", batches: " << batches.size() << ", worker processes seen: " << every_worker.size()
            << ", processing took "
            << std::chrono::duration_cast<std::chrono::seconds>(processing_done - started).count()
            << " s" << std::endl;
  EXPECT_GE(worker_kills, kWorkerKills);
  EXPECT_GE(server_kills, kServerKills);

  int reclaims = 0;
  for (const auto& [listing, batch] : batches) {
    SCOPED_TRACE("batch " + std::to_string(batch));
    const auto b = sql(data_dir, "SELECT status FROM batches WHERE id = " + std::to_string(batch));
    ASSERT_EQ(b.size(), 1U);
    EXPECT_EQ(b[0].at("status"), "READY");
    const auto jobs = sql(data_dir,
                          "SELECT id, status, attempt, started_at, completed_at, archive_key, "
                          "archive_bytes, archive_sha256_hex FROM jobs WHERE batch_id = " +
                              std::to_string(batch));
    ASSERT_EQ(jobs.size(), 1U) << "one job per completion: " << jobs.dump();
    const auto& job = jobs[0];
    const std::int64_t job_id = job.at("id");
    EXPECT_EQ(job.at("status"), "SUCCEEDED");
    EXPECT_FALSE(job.at("started_at").is_null());
    EXPECT_FALSE(job.at("completed_at").is_null());
    reclaims += job.at("attempt").get<int>() - 1;

    // The ZIP: at the job's key, whole (size and digest as recorded), valid, one entry per asset.
    const std::string prefix = batch_prefix(listing, batch);
    const std::string out = prefix + "out/" + std::to_string(job_id) + "/";
    ASSERT_EQ(job.at("archive_key"), out + "archive.zip");
    ASSERT_TRUE(std::filesystem::exists(object_path(data_dir, out + "archive.zip")));
    const auto zip_bytes = read_object(data_dir, out + "archive.zip");
    EXPECT_EQ(static_cast<std::int64_t>(zip_bytes.size()),
              job.at("archive_bytes").get<std::int64_t>());
    EXPECT_EQ(sha256_hex(zip_bytes), job.at("archive_sha256_hex").get<std::string>());
    const auto zip = tmp.path() / "archive.zip";
    write_file(zip, zip_bytes);
    EXPECT_EQ(zip_entries(zip).size(), assets_of[batch] + 1);

    // Every rendition of every asset of the batch belongs to the job, under its prefix, and the
    // store holds exactly those outputs there: nothing processed twice into other keys.
    const auto assets =
        sql(data_dir, "SELECT id, status FROM assets WHERE batch_id = " + std::to_string(batch));
    ASSERT_EQ(assets.size(), assets_of[batch]);
    std::set<std::string> recorded = {out + "archive.zip"};
    for (const auto& a : assets) {
      const std::int64_t asset = a.at("id");
      EXPECT_EQ(a.at("status"), "READY");
      // `key` is quoted: a reserved word in MySQL/MariaDB (SQLite accepts the backticks too).
      const auto renditions =
          sql(data_dir,
              "SELECT job_id, `key` FROM renditions WHERE asset_id = " + std::to_string(asset));
      EXPECT_FALSE(renditions.empty());
      for (const auto& r : renditions) {
        EXPECT_EQ(r.at("job_id"), job_id) << r.dump();
        const std::string key = r.at("key");
        EXPECT_TRUE(key.starts_with(out + std::to_string(asset) + "/")) << key;
        EXPECT_TRUE(std::filesystem::exists(object_path(data_dir, key))) << key;
        recorded.insert(key);
      }
    }
    std::set<std::string> stored;
    for (const auto& [key, sha] : objects_under(data_dir, prefix + "out/")) stored.insert(key);
    EXPECT_EQ(stored, recorded);

    // The platform heard about it, signed.
    EXPECT_TRUE(webhooks.contains(batch)) << "no media.batch.ready webhook";
    EXPECT_TRUE(webhooks.contains(batch) && webhooks.at(batch)) << "signature not verified";
  }
  std::cout << "jobs taken over after a kill (attempts beyond the first): " << reclaims
            << std::endl;
  EXPECT_GE(reclaims, 1) << "the kills never interrupted a job";

  // No partial ZIP anywhere: every archive.zip in the store is a valid ZIP.
  int archives = 0;
  for (const auto& [key, sha] : objects_under(data_dir, "")) {
    if (!key.ends_with("/archive.zip")) continue;
    ++archives;
    const auto copy = tmp.path() / "any-archive.zip";
    write_file(copy, read_object(data_dir, key));
    EXPECT_EQ(testing::run_shell("unzip -tq " + shell_quote(copy.string()) + " >/dev/null"), 0)
        << key;
  }
  EXPECT_EQ(archives, static_cast<int>(batches.size()));
  // What the workers said about it (every start's log; orphaned workers keep writing to theirs).
  std::map<std::string, int> ends;
  int run_errors = 0;
  int deliveries = 0;
  for (int n = 1; n <= starts; ++n) {
    std::ifstream in{tmp.path() / ("serve-" + std::to_string(n) + ".log")};
    std::string line;
    while (std::getline(in, line)) {
      const auto j = nlohmann::json::parse(line, nullptr, false);
      if (!j.is_object()) continue;
      const auto msg = j.value("msg", "");
      if (msg == "job run ended") ++ends[j.value("end", "?")];
      if (msg == "job run failed") {
        ++run_errors;
        std::cout << "  job run failed: " << line << std::endl;
      }
      if (msg == "webhook delivered") ++deliveries;
    }
  }
  std::cout << "job runs by end:";
  for (const auto& [end, n] : ends) std::cout << " " << end << "=" << n;
  std::cout << "; job run errors: " << run_errors << "; webhook deliveries: " << deliveries
            << " for " << batches.size() << " batches (" << receiver.requests().size()
            << " requests received)" << std::endl;
  std::cout << "total "
            << std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - started).count()
            << " s" << std::endl;
}

}  // namespace
}  // namespace toq::e2e

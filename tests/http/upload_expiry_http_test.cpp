// Abandoned uploads and housekeeping on the real `toq-media serve`: POST /uploads/cancel over
// HTTP, and the sweeps of two serve processes racing on one data dir (shared SQLite database and
// local store): every abandoned batch ends FAILED / UPLOAD_EXPIRED exactly once, with one webhook
// event, its objects and multipart uploads gone and the listing free, RECEIVED and PROCESSING
// batches left alone; every batch an admin deleted loses its objects once, purged by one of them.

#include <chrono>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "http/http_client.hpp"
#include "http/media_api_client.hpp"
#include "support/result_matchers.hpp"
#include "support/temp_dir.hpp"

namespace toq::testing {
namespace {

using nlohmann::json;

constexpr std::int64_t kMiB = 1024 * 1024;
constexpr const char* kCancel = "/api/v2/listings/media/uploads/cancel";
constexpr const char* kStatus = "/api/v2/listings/media/status";

const std::map<std::string, std::string> kSmallParts = {
    {"TOQ_MEDIA_PROCESSING_START_WORKERS", "false"},
    {"TOQ_MEDIA_STORAGE_MULTIPART_THRESHOLD_BYTES", "5MiB"},
    {"TOQ_MEDIA_STORAGE_PART_SIZE_BYTES", "5MiB"}};

std::vector<UploadFile> photo_and_video() {
  return {{"f-1", "PHOTO_HORIZONTAL", test_bytes(3000, 'a'), 1},
          {"v-1", "VIDEO_VERTICAL", test_bytes(6 * kMiB, 'v'), 1}};
}

// Where the embedded store keeps an object (storage.local.root defaults to <dataDir>/objects).
std::filesystem::path object_file(const ServeProcess& s, std::int64_t listing, std::int64_t batch,
                                  std::int64_t asset) {
  return s.data_dir() / "objects" / "objects" / "listings" / std::to_string(listing) / "batches" /
         std::to_string(batch) / "raw" / std::to_string(asset);
}

struct HalfUpload {
  std::int64_t batch = 0;
  std::int64_t photo_asset = 0;
  std::string part2_url;  // the video's second part, never sent
  std::string upload_id;  // the video's multipart upload
};

// Where the embedded store keeps the parts of an open multipart upload.
std::filesystem::path multipart_dir(const ServeProcess& s, const std::string& upload_id) {
  return s.data_dir() / "objects" / ".multipart" / upload_id;
}

// Creates a batch, sends the photo and the video's first part, and stops there.
HalfUpload upload_half(MediaApi& api, std::int64_t listing, const std::string& bearer) {
  const auto files = photo_and_video();
  auto created = api.create(listing, files, bearer);
  if (created.raw.status != 201) throw std::runtime_error("create: " + created.raw.body);
  MediaApi::upload_singles(created.body, files);
  const auto& mp = created.body.at("files")[1].at("multipart");
  MediaApi::put_part(mp.at("parts")[0].at("url"), files[1].data.substr(0, 5 * kMiB));
  return {created.body.at("batchId"), created.body.at("files")[0].at("assetId"),
          mp.at("parts")[1].at("url"), mp.at("uploadId")};
}

json status_of(MediaApi& api, std::int64_t listing, std::int64_t batch, const std::string& bearer) {
  auto r = api.post(kStatus, {{"listingIdentityId", listing}, {"batchId", batch}}, bearer);
  if (r.raw.status != 200) throw std::runtime_error("status: " + r.raw.body);
  return r.body;
}

// The value of an unlabelled sample in the server's /metrics.
double metric(const ServeProcess& s, const std::string& name) {
  HttpCall c;
  c.method = "GET";
  c.url = s.base_url() + "/metrics";
  const auto r = http(c);
  std::istringstream lines{r.body};
  std::string line;
  while (std::getline(lines, line)) {
    if (line.starts_with(name + " ")) return std::stod(line.substr(name.size() + 1));
  }
  ADD_FAILURE() << name << " not in /metrics:\n" << r.body;
  return -1;
}

// POST /uploads/cancel through recorded_http(), so toq_openapi_responses checks each answer
// against docs/openapi.yaml.
ApiReply cancel(const ServeProcess& s, const json& body, const std::string& bearer) {
  HttpCall c;
  c.method = "POST";
  c.url = s.base_url() + kCancel;
  c.body = body.dump();
  c.headers = {{"Content-Type", "application/json"}, {"Authorization", "Bearer " + bearer}};
  ApiReply r{recorded_http(c), nullptr};
  if (!r.raw.body.empty()) r.body = json::parse(r.raw.body, nullptr, false);
  if (r.body.is_discarded()) r.body = nullptr;
  return r;
}

double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

int count_log(const ServeProcess& s, const std::string& msg) {
  std::istringstream lines{s.log_text()};
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    auto j = json::parse(line, nullptr, false);
    if (j.is_object() && j.value("msg", "") == msg) ++n;
  }
  return n;
}

TEST(UploadCancelHttp, CancelOfAnOpenBatchFailsItDiscardsItsUploadsAndFreesTheListing) {
  TempDir dir;
  ServeProcess server(dir / "var", kSmallParts);
  MediaApi api(server);
  const auto& photographer = api.token(7, "photographer");
  api.register_listing(300, "RESIDENTIAL", "PENDING_PHOTO_PROCESSING");
  const auto half = upload_half(api, 300, photographer);
  ASSERT_TRUE(std::filesystem::exists(object_file(server, 300, half.batch, half.photo_asset)));
  ASSERT_TRUE(std::filesystem::exists(multipart_dir(server, half.upload_id)));

  const json ref = {{"listingIdentityId", 300}, {"batchId", half.batch}};
  // Only whoever may upload the batch may cancel it.
  EXPECT_EQ(cancel(server, ref, api.token(11, "owner")).raw.status, 403);
  EXPECT_EQ(cancel(server, {{"listingIdentityId", 300}}, photographer).raw.status, 400);

  auto r = cancel(server, ref, photographer);
  ASSERT_EQ(r.raw.status, 200) << r.raw.body;
  EXPECT_EQ(r.body,
            json({{"listingIdentityId", 300}, {"batchId", half.batch}, {"status", "FAILED"}}));
  const auto st = status_of(api, 300, half.batch, photographer);
  EXPECT_EQ(st.at("status"), "FAILED");
  for (const auto& a : st.at("assets")) {
    EXPECT_EQ(a.at("status"), "FAILED");
    EXPECT_EQ(a.at("error").at("code"), "UPLOAD_CANCELLED");
    EXPECT_FALSE(a.at("error").at("hint").get<std::string>().empty());
  }
  EXPECT_FALSE(std::filesystem::exists(object_file(server, 300, half.batch, half.photo_asset)));
  // The multipart upload was aborted: its remaining part is refused by the store.
  HttpCall part;
  part.method = "PUT";
  part.url = half.part2_url;
  part.body = test_bytes(1 * kMiB, 'v');
  EXPECT_EQ(http(part).status, 404);
  EXPECT_FALSE(std::filesystem::exists(multipart_dir(server, half.upload_id)));

  // Idempotent; and the listing takes a new batch.
  auto again = cancel(server, ref, photographer);
  EXPECT_EQ(again.raw.status, 200) << again.raw.body;
  const std::vector<UploadFile> photo = {{"f-2", "PHOTO_HORIZONTAL", test_bytes(2000, 'b'), 1}};
  const std::int64_t next = api.completed_batch(300, photo, photographer);
  // A completed batch is not cancelled, and stays as it was.
  auto refused = cancel(server, {{"listingIdentityId", 300}, {"batchId", next}}, photographer);
  EXPECT_EQ(refused.raw.status, 409) << refused.raw.body;
  EXPECT_EQ(refused.body.value("code", ""), "BATCH_NOT_PENDING");
  EXPECT_EQ(status_of(api, 300, next, photographer).at("status"), "RECEIVED");
  EXPECT_EQ(server.stop(), 0) << server.log_text();
}

// Two serves on <dir>/var (logs a.log and b.log), started together so their first sweeps (at start,
// then every period) run at the same time, and an API client on the first. Throws, naming what
// failed, when either does not start.
class RacingServes {
 public:
  RacingServes(const std::filesystem::path& dir, const std::map<std::string, std::string>& env)
      : started_at_(unix_now()) {
    std::string errors;
    std::mutex mutex;
    auto start = [&](std::optional<ServeProcess>& slot, const char* log) {
      try {
        slot.emplace(dir / "var", env, dir / log);
      } catch (const std::exception& e) {
        std::lock_guard lock(mutex);
        errors += e.what();
      }
    };
    {
      std::jthread start_a([&] { start(a_, "a.log"); });
      std::jthread start_b([&] { start(b_, "b.log"); });
    }
    if (!a_ || !b_) throw std::runtime_error("the racing serves did not start: " + errors);
    api_.emplace(*a_);
  }

  ServeProcess& a() { return *a_; }
  ServeProcess& b() { return *b_; }
  MediaApi& api() { return *api_; }
  // Unix time just before they were started.
  double started_at() const { return started_at_; }

 private:
  double started_at_;
  std::optional<ServeProcess> a_;
  std::optional<ServeProcess> b_;
  std::optional<MediaApi> api_;
};

// Two replicas on one database and store, both sweeping every second with a 1 s expiry. The
// batches were made beforehand by a server with the default (a day), so the race is between the
// two sweeps only.
TEST(UploadExpiryHttp, TwoServesRacingTheSweepExpireEachAbandonedBatchOnce) {
  TempDir dir;
  constexpr int kAbandoned = 8;
  std::vector<HalfUpload> halves;
  std::int64_t received_batch = 0;
  std::int64_t processing_batch = 0;
  {
    ServeProcess maker(dir / "var", kSmallParts);
    MediaApi api(maker);
    const auto& photographer = api.token(7, "photographer");
    for (int i = 0; i < kAbandoned; ++i) {
      api.register_listing(400 + i, "RESIDENTIAL", "PENDING_PHOTO_PROCESSING");
      halves.push_back(upload_half(api, 400 + i, photographer));
    }
    const std::vector<UploadFile> photo = {{"f-1", "PHOTO_HORIZONTAL", test_bytes(2500, 'c'), 1}};
    api.register_listing(450, "RESIDENTIAL", "PENDING_PHOTO_PROCESSING");
    processing_batch = api.completed_batch(450, photo, photographer);
    api.register_listing(451, "RESIDENTIAL", "PENDING_PHOTO_PROCESSING");
    received_batch = api.completed_batch(451, photo, photographer);
    // A worker holds the first job: that batch is PROCESSING.
    must(api.database().transact([&](core::UnitOfWork& u) -> core::Result<core::Batch> {
      auto job = u.jobs().claim_next("worker-1", core::SystemClock{}.now() + std::chrono::hours(1),
                                     core::SystemClock{}.now());
      if (!job) return std::unexpected(job.error());
      return u.batches().transition(core::BatchId{processing_batch}, core::BatchStatus::kReceived,
                                    core::BatchStatus::kProcessing, core::SystemClock{}.now());
    }));
    ASSERT_EQ(maker.stop(), 0) << maker.log_text();
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // every batch is past 1 s

  auto fast = kSmallParts;
  fast["TOQ_MEDIA_UPLOADS_EXPIRE_AFTER_SECONDS"] = "1";
  fast["TOQ_MEDIA_UPLOADS_EXPIRY_SWEEP_SECONDS"] = "1";
  // Upload URLs live 1 s: a second later the sweep's step 2 removes (again) and marks each expired
  // batch's raw uploads, which /metrics counts.
  fast["TOQ_MEDIA_STORAGE_URL_TTL_SECONDS"] = "1";
  RacingServes race(dir.path(), fast);
  ServeProcess& a = race.a();
  ServeProcess& b = race.b();
  MediaApi& api = race.api();
  const auto& photographer = api.token(7, "photographer");

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  auto all_failed = [&] {
    for (int i = 0; i < kAbandoned; ++i) {
      if (status_of(api, 400 + i, halves[static_cast<std::size_t>(i)].batch, photographer)
              .at("status") != "FAILED") {
        return false;
      }
    }
    return true;
  };
  while (!all_failed() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // both sweep at least twice more

  // Each batch was expired by exactly one of the two (how many each got depends on the timing).
  RecordProperty("expired_by_a", count_log(a, "upload expired"));
  RecordProperty("expired_by_b", count_log(b, "upload expired"));
  EXPECT_EQ(count_log(a, "upload expired") + count_log(b, "upload expired"), kAbandoned)
      << a.log_text() << b.log_text();
  EXPECT_EQ(count_log(a, "upload expiry sweep: a batch failed"), 0) << a.log_text();
  EXPECT_EQ(count_log(b, "upload expiry sweep: a batch failed"), 0) << b.log_text();
  auto events = must(api.database().transact([](core::UnitOfWork& u) {
    return u.outbox().due(core::SystemClock{}.now() + std::chrono::hours(1), 1000);
  }));
  EXPECT_EQ(events.size(), static_cast<std::size_t>(kAbandoned));
  for (const auto& e : events) {
    EXPECT_EQ(e.type, "media.batch.failed");
    EXPECT_NE(e.payload.find(R"("reason":"UPLOAD_EXPIRED")"), std::string::npos) << e.payload;
  }
  // /metrics: each replica counts what it expired; the database gauges agree in both (no
  // webhooks.url here, so the events wait in the outbox; the RECEIVED batch's job is queued, the
  // PROCESSING one's running).
  EXPECT_EQ(metric(a, "media_batches_expired_total") + metric(b, "media_batches_expired_total"),
            kAbandoned);
  // What the sweeps removed is counted where it was logged, and each replica's sweep succeeded
  // after the replicas started.
  const std::string abandoned = R"(media_housekeeping_removed_total{what="abandoned_uploads"})";
  EXPECT_EQ(metric(a, abandoned) + metric(b, abandoned),
            count_log(a, "abandoned uploads removed") + count_log(b, "abandoned uploads removed"));
  EXPECT_GE(metric(a, abandoned) + metric(b, abandoned), kAbandoned);
  for (const ServeProcess* s : {&a, &b}) {
    EXPECT_GE(metric(*s, R"(media_sweep_last_success_timestamp_seconds{sweep="upload_expiry"})"),
              race.started_at());
    EXPECT_GE(metric(*s, R"(media_sweep_last_success_timestamp_seconds{sweep="housekeeping"})"),
              race.started_at());
  }
  for (const ServeProcess* s : {&a, &b}) {
    EXPECT_EQ(metric(*s, "media_outbox_pending"), kAbandoned);
    EXPECT_GT(metric(*s, "media_outbox_oldest_pending_age_seconds"), 0);
    EXPECT_EQ(metric(*s, "media_jobs_queued"), 1);
    EXPECT_EQ(metric(*s, "media_jobs_running"), 1);
    EXPECT_GT(metric(*s, "media_jobs_oldest_active_age_seconds"), 1);
  }
  for (int i = 0; i < kAbandoned; ++i) {
    const auto st =
        status_of(api, 400 + i, halves[static_cast<std::size_t>(i)].batch, photographer);
    ASSERT_EQ(st.at("status"), "FAILED") << st.dump();
    for (const auto& asset : st.at("assets")) {
      EXPECT_EQ(asset.at("error").at("code"), "UPLOAD_EXPIRED");
    }
    EXPECT_FALSE(
        std::filesystem::exists(object_file(a, 400 + i, halves[static_cast<std::size_t>(i)].batch,
                                            halves[static_cast<std::size_t>(i)].photo_asset)));
    EXPECT_FALSE(
        std::filesystem::exists(multipart_dir(a, halves[static_cast<std::size_t>(i)].upload_id)))
        << "multipart upload of batch " << halves[static_cast<std::size_t>(i)].batch;
    // The listing takes a new batch (which this 1 s expiry closes again soon after).
    auto next = api.create(400 + i, photo_and_video(), photographer);
    EXPECT_EQ(next.raw.status, 201) << next.raw.body;
  }
  // The completed batches were left alone.
  EXPECT_EQ(status_of(api, 450, processing_batch, photographer).at("status"), "PROCESSING");
  EXPECT_EQ(status_of(api, 451, received_batch, photographer).at("status"), "RECEIVED");
  for (const auto& [listing, batch] : {std::pair{450, processing_batch}, {451, received_batch}}) {
    const auto st = status_of(api, listing, batch, photographer);
    for (const auto& asset : st.at("assets")) {
      EXPECT_TRUE(std::filesystem::exists(
          object_file(a, listing, batch, asset.at("assetId").get<std::int64_t>())));
      EXPECT_TRUE(asset.at("error").is_null()) << st.dump();
    }
  }
  EXPECT_EQ(a.stop(), 0) << a.log_text();
  EXPECT_EQ(b.stop(), 0) << b.log_text();
}

// Housekeeping with two replicas sweeping every second and no grace: each batch an admin deleted
// loses its objects, and is purged (logged) by exactly one of them.
TEST(HousekeepingHttp, TwoServesRacingTheSweepPurgeEachDeletedBatchOnce) {
  TempDir dir;
  constexpr int kDeleted = 6;
  std::vector<std::int64_t> batches;
  std::vector<std::filesystem::path> raw_files;
  {
    ServeProcess maker(dir / "var", kSmallParts);
    MediaApi api(maker);
    const auto& photographer = api.token(7, "photographer");
    const auto& admin = api.token(1, "admin");
    const std::vector<UploadFile> photo = {{"f-1", "PHOTO_HORIZONTAL", test_bytes(2500, 'h'), 1}};
    for (int i = 0; i < kDeleted; ++i) {
      const std::int64_t listing = 500 + i;
      api.register_listing(listing, "RESIDENTIAL", "PENDING_PHOTO_PROCESSING");
      const std::int64_t batch = api.completed_batch(listing, photo, photographer);
      api.process(batch);
      auto deleted = api.post("/api/v2/admin/listings/media/batches/delete",
                              {{"listingIdentityId", listing}, {"batchId", batch}}, admin);
      ASSERT_EQ(deleted.raw.status, 200) << deleted.raw.body;
      for (const auto& a : must(api.database().transact([&](core::UnitOfWork& u) {
             return u.assets().list_by_batch(core::BatchId{batch});
           }))) {
        raw_files.push_back(object_file(maker, listing, batch, a.id.value));
        EXPECT_TRUE(std::filesystem::exists(raw_files.back())) << raw_files.back();
      }
      batches.push_back(batch);
    }
    ASSERT_EQ(maker.stop(), 0) << maker.log_text();
  }

  auto fast = kSmallParts;
  fast["TOQ_MEDIA_HOUSEKEEPING_DELETE_GRACE_SECONDS"] = "0";
  fast["TOQ_MEDIA_HOUSEKEEPING_SWEEP_SECONDS"] = "1";
  RacingServes race(dir.path(), fast);
  ServeProcess& a = race.a();
  ServeProcess& b = race.b();
  MediaApi& api = race.api();
  auto all_purged = [&] {
    for (const auto id : batches) {
      auto row = must(api.database().transact(
          [&](core::UnitOfWork& u) { return u.batches().find(core::BatchId{id}); }));
      if (!row || !row->objects_removed_at) return false;
    }
    return true;
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!all_purged() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // both sweep at least twice more
  ASSERT_TRUE(all_purged());
  constexpr const char* kPurged = "deleted batch's objects removed";
  RecordProperty("purged_by_a", count_log(a, kPurged));
  RecordProperty("purged_by_b", count_log(b, kPurged));
  EXPECT_EQ(count_log(a, kPurged) + count_log(b, kPurged), kDeleted)
      << a.log_text() << b.log_text();
  EXPECT_EQ(count_log(a, "housekeeping sweep: an item failed"), 0) << a.log_text();
  EXPECT_EQ(count_log(b, "housekeeping sweep: an item failed"), 0) << b.log_text();
  // /metrics: each replica counts the batches it purged; together, every deleted batch once.
  const std::string purged = R"(media_housekeeping_removed_total{what="deleted_batch_objects"})";
  EXPECT_EQ(metric(a, purged), count_log(a, kPurged));
  EXPECT_EQ(metric(a, purged) + metric(b, purged), kDeleted);
  EXPECT_GE(metric(a, R"(media_sweep_last_success_timestamp_seconds{sweep="housekeeping"})"),
            race.started_at());
  for (const auto& file : raw_files) EXPECT_FALSE(std::filesystem::exists(file)) << file;
  EXPECT_EQ(a.stop(), 0) << a.log_text();
  EXPECT_EQ(b.stop(), 0) << b.log_text();
}

}  // namespace
}  // namespace toq::testing

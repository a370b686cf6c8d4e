// The database server restarted in the middle of the work.
//
// 1. On the adapter: threads write units of work (a listing, a batch and three assets, all or
//    nothing) while MariaDB is stopped and started again. Calls during the outage fail cleanly
//    with DATABASE_UNAVAILABLE (no other code, no hang), no unit is half-written, and the same
//    MysqlDatabase, never reopened, writes again once the server is back.
// 2. On the service: `toq-media serve` and its workers process batches on MariaDB + s3rver while
//    MariaDB is down for a few seconds. The API answers 503 DATABASE_UNAVAILABLE and /readyz 503
//    meanwhile; afterwards every batch ends READY exactly once with nothing lost or duplicated.

#include <atomic>
#include <chrono>
#include <iostream>
#include <thread>

#include <gtest/gtest.h>

#include "adapter/mysql/mysql_database.hpp"
#include "e2e/e2e_fixture.hpp"
#include "mysql/many_hosts_support.hpp"
#include "support/result_matchers.hpp"

namespace toq::e2e {
namespace {

using Clock = std::chrono::steady_clock;
using core::ErrorCode;

mysql::MysqlOptions options_from(const std::map<std::string, std::string>& env) {
  mysql::MysqlOptions o;
  o.connection.host = env.at("TOQ_MEDIA_DATABASE_MYSQL_HOST");
  o.connection.port = std::stoi(env.at("TOQ_MEDIA_DATABASE_MYSQL_PORT"));
  o.connection.user = env.at("TOQ_MEDIA_DATABASE_MYSQL_USER");
  o.connection.password = env.at("TOQ_MEDIA_DATABASE_MYSQL_PASSWORD");
  o.connection.database = env.at("TOQ_MEDIA_DATABASE_MYSQL_DATABASE");
  o.connection.connect_timeout = std::chrono::seconds{3};
  o.connection.read_timeout = std::chrono::seconds{10};
  o.connection.lock_wait_timeout_seconds = 5;
  o.pool_size = 8;
  return o;
}

core::FileDeclaration declared(int n) {
  core::FileDeclaration f;
  f.client_id = "f-" + std::to_string(n);
  f.media_type = core::MediaType::kPhotoHorizontal;
  f.filename = "IMG.jpg";
  f.content_type = "image/jpeg";
  f.bytes = 1000;
  f.checksum_sha256 = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
  f.sequence = n;
  return f;
}

TEST(DatabaseRestart, CallersGetUnavailableNothingHalfWrittenAndThePoolRecovers) {
  testing::TempDir tmp;
  const ServiceBackends backends(tmp.path() / "services", tmp.path() / "unused",
                                 ServiceBackends::When::kAlways);
  auto db = testing::must(mysql::MysqlDatabase::open(options_from(backends.env())));

  constexpr int kThreads = 4;
  std::atomic<bool> stop{false};
  std::atomic<bool> restarted{false};
  std::atomic<std::int64_t> next_listing{1};
  std::atomic<int> ok_before{0}, ok_after{0}, unavailable{0}, busy{0}, in_doubt{0};
  std::mutex m;
  std::vector<std::string> other_errors;
  std::atomic<std::int64_t> slowest_ms{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      while (!stop.load()) {
        const core::ListingId id{next_listing.fetch_add(1)};
        const auto t0 = Clock::now();
        auto r = db->run([&](core::UnitOfWork& u) -> core::Status {
          const auto now = core::SystemClock{}.now();
          auto l = u.listings().upsert(
              {id, core::UserId{1}, std::nullopt, core::ListingKind::kResidential,
               "PENDING_PHOTO_PROCESSING", now},
              now);
          if (!l) return std::unexpected(l.error());
          auto b = u.batches().create({id, "", core::UserId{7}, now}, now);
          if (!b) return std::unexpected(b.error());
          auto a = u.assets().add(b->id, {declared(1), declared(2), declared(3)}, now);
          if (!a) return std::unexpected(a.error());
          return {};
        });
        const auto ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
        std::int64_t seen = slowest_ms.load();
        while (ms > seen && !slowest_ms.compare_exchange_weak(seen, ms)) {
        }
        if (r) {
          ++(restarted.load() ? ok_after : ok_before);
        } else if (r.error().code == ErrorCode::kDatabaseUnavailable) {
          ++unavailable;
          if (r.error().message.find("may have committed") != std::string::npos) ++in_doubt;
          std::this_thread::sleep_for(std::chrono::milliseconds{50});
        } else if (r.error().code == ErrorCode::kDatabaseBusy) {
          ++busy;
        } else {
          std::lock_guard lock(m);
          other_errors.push_back(std::string(core::to_string(r.error().code)) + ": " +
                                 r.error().message);
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::seconds{1});
  backends.stop_database();
  std::this_thread::sleep_for(std::chrono::seconds{2});
  backends.start_database();
  restarted = true;
  std::this_thread::sleep_for(std::chrono::seconds{2});
  stop = true;
  for (auto& t : threads) t.join();

  std::cout << "units committed before the restart: " << ok_before << ", after: " << ok_after
            << ", DATABASE_UNAVAILABLE: " << unavailable << " (commit in doubt: " << in_doubt
            << "), DATABASE_BUSY: " << busy << ", slowest call " << slowest_ms << " ms"
            << std::endl;
  EXPECT_TRUE(other_errors.empty()) << other_errors.front();
  EXPECT_GT(ok_before.load(), 0);
  EXPECT_GT(unavailable.load(), 0) << "the outage was never seen";
  EXPECT_GT(ok_after.load(), 0) << "the pool did not recover by itself";
  // Bounded by connect (3 s) and read (10 s) timeouts: no call hangs on the dead server.
  EXPECT_LT(slowest_ms.load(), 30000);

  // No half-written unit: every batch has its three assets, every listing its batch.
  auto counts = testing::must(db->transact([&](core::UnitOfWork& u) -> core::Result<int> {
    int batches = 0;
    for (std::int64_t id = 1; id < next_listing.load(); ++id) {
      auto l = u.listings().find(core::ListingId{id});
      if (!l) return std::unexpected(l.error());
      auto b = u.batches().list_by_listing(core::ListingId{id});
      if (!b) return std::unexpected(b.error());
      EXPECT_EQ(l->has_value(), b->size() == 1) << "listing " << id;
      for (const auto& batch : *b) {
        auto a = u.assets().list_by_batch(batch.id);
        if (!a) return std::unexpected(a.error());
        EXPECT_EQ(a->size(), 3U) << "batch " << batch.id.value;
        ++batches;
      }
    }
    return batches;
  }));
  const int committed = ok_before + ok_after;
  EXPECT_GE(counts, committed);
  EXPECT_LE(counts, committed + in_doubt.load());
}

TEST(DatabaseRestart, ProcessingResumesWithNothingLostOrDuplicated) {
  constexpr int kBatches = 6;
  testing::TempDir tmp;
  const auto data_dir = tmp.path() / "data";
  const ServiceBackends backends(tmp.path() / "services", data_dir, ServiceBackends::When::kAlways);
  auto env = backends.env();
  env["TOQ_MEDIA_PROCESSING_WORKERS"] = "2";
  env["TOQ_MEDIA_PROCESSING_LEASE_SECONDS"] = "3";
  env["TOQ_MEDIA_PROCESSING_POLL_MILLIS"] = "100";
  env["TOQ_MEDIA_PROCESSING_MAX_ATTEMPTS"] = "100";
  env["TOQ_MEDIA_DATABASE_MYSQL_CONNECT_TIMEOUT_SECONDS"] = "2";
  ServeProcess server(data_dir, env);
  Client client(server);
  std::vector<std::pair<std::int64_t, std::int64_t>> batches;
  for (int i = 0; i < kBatches; ++i) {
    const std::int64_t listing = 700 + i;
    client.register_listing(listing);
    batches.emplace_back(listing, client.submit(listing, two_photos(i)));
  }
  // Down while the workers are in the middle of the batches.
  for (const auto end = Clock::now() + std::chrono::seconds{120}; Clock::now() < end;) {
    if (!sql(data_dir, "SELECT id FROM assets WHERE status = 'READY' LIMIT 1").empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
  }
  backends.stop_database();
  const auto during =
      client.api().post("/api/v2/listings/media/status",
                        {{"listingIdentityId", batches[0].first}, {"batchId", batches[0].second}},
                        client.photographer());
  EXPECT_EQ(during.raw.status, 503) << during.raw.body;
  EXPECT_EQ(during.body.value("code", ""), "DATABASE_UNAVAILABLE") << during.raw.body;
  const auto ready = Client::get(server.base_url() + "/readyz");
  EXPECT_EQ(ready.status, 503) << ready.body;
  std::this_thread::sleep_for(std::chrono::seconds{3});
  backends.start_database();

  for (const auto& [listing, batch] : batches) {
    const auto s = client.wait_terminal(listing, batch, std::nullopt, std::chrono::seconds{600});
    EXPECT_EQ(s.at("status"), "READY") << s.dump();
  }
  EXPECT_EQ(Client::get(server.base_url() + "/readyz").status, 200);
  EXPECT_EQ(server.stop(SIGTERM), 0);
  expect_each_batch_ready_once(data_dir, batches, 2);
  // Each asset's result recorded once (the log of serve holds its workers' lines).
  std::map<std::int64_t, int> processed;
  for (const auto& line : log_lines(data_dir.string() + ".log", "asset processed")) {
    ++processed[line.at("asset_id").get<std::int64_t>()];
  }
  EXPECT_EQ(processed.size(), static_cast<std::size_t>(kBatches * 2));
  for (const auto& [asset, times] : processed) EXPECT_EQ(times, 1) << "asset " << asset;
}

}  // namespace
}  // namespace toq::e2e

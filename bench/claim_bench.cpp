// Claiming under contention: 8 workers (threads, each with a Database of its own, as separate
// processes would have) claim 1,000 QUEUED jobs through JobRepository::claim_next until none is
// left, on SQLite (one file, BEGIN IMMEDIATE) and on MariaDB (SELECT ... FOR UPDATE SKIP LOCKED),
// in the same run. Prints claims per second and the claim latency (p50, p99, max) of each, and
// checks that no job was claimed twice. Each claimed job is finished in a second transaction (not
// timed), as a worker would.
//
//   toq_claim_bench [--jobs N] [--workers N]   MariaDB from TOQ_SERVICES_DIR/env.sh
//   (`make bench-claim` starts that MariaDB with scripts/services.sh and stops it afterwards)

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include <unistd.h>

#include "adapter/mysql/mysql_database.hpp"
#include "adapter/sqlite/sqlite_database.hpp"

namespace {

using namespace toq;
using Clock = std::chrono::steady_clock;

template <class T>
T must(core::Result<T> r, const char* what) {
  if (!r) throw std::runtime_error(std::string(what) + ": " + r.error().message);
  if constexpr (!std::is_void_v<T>) return std::move(*r);
}

struct Outcome {
  double seconds = 0;
  std::vector<double> latencies_ms;
  int duplicates = 0;
  int busy_retries = 0;
};

// Fills `db` with `jobs` QUEUED jobs (one listing and batch each).
void seed(core::Database& db, int jobs) {
  const auto now = core::SystemClock{}.now();
  for (int i = 0; i < jobs; i += 100) {
    must(db.run([&](core::UnitOfWork& u) -> core::Status {
      for (int k = i; k < std::min(jobs, i + 100); ++k) {
        const core::ListingId id{k + 1};
        auto l =
            u.listings().upsert({id, core::UserId{1}, std::nullopt, core::ListingKind::kResidential,
                                 "PENDING_PHOTO_PROCESSING", now},
                                now);
        if (!l) return std::unexpected(l.error());
        auto b = u.batches().create({id, "", core::UserId{1}, now}, now);
        if (!b) return std::unexpected(b.error());
        auto j = u.jobs().create(b->id, now, "");
        if (!j) return std::unexpected(j.error());
      }
      return {};
    }),
         "seed");
  }
}

Outcome claim_all(const std::function<std::unique_ptr<core::Database>()>& open, int workers) {
  std::vector<std::unique_ptr<core::Database>> dbs;
  for (int w = 0; w < workers; ++w) dbs.push_back(open());
  Outcome out;
  std::mutex m;
  std::set<std::int64_t> claimed;
  std::atomic<int> busy{0};
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  for (int w = 0; w < workers; ++w) {
    threads.emplace_back([&, w] {
      auto& db = *dbs[static_cast<std::size_t>(w)];
      const std::string owner = "bench-" + std::to_string(w);
      std::vector<double> mine;
      std::vector<std::int64_t> ids;
      for (;;) {
        const auto now = core::SystemClock{}.now();
        const auto t0 = Clock::now();
        auto job = db.transact([&](core::UnitOfWork& u) {
          return u.jobs().claim_next(owner, now + std::chrono::minutes(5), now);
        });
        const auto t1 = Clock::now();
        if (!job) {
          if (job.error().code == core::ErrorCode::kDatabaseBusy) {
            ++busy;
            continue;
          }
          throw std::runtime_error("claim: " + job.error().message);
        }
        if (!*job) break;
        mine.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
        ids.push_back((*job)->id.value);
        must(db.transact([&](core::UnitOfWork& u) {
          return u.jobs().finish((*job)->id, core::JobStatus::kSucceeded, std::nullopt,
                                 core::SystemClock{}.now());
        }),
             "finish");
      }
      std::lock_guard lock(m);
      out.latencies_ms.insert(out.latencies_ms.end(), mine.begin(), mine.end());
      for (auto id : ids) {
        if (!claimed.insert(id).second) ++out.duplicates;
      }
    });
  }
  for (auto& t : threads) t.join();
  out.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  out.busy_retries = busy.load();
  std::sort(out.latencies_ms.begin(), out.latencies_ms.end());
  return out;
}

double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto i = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(i, sorted.size() - 1)];
}

void print(const char* name, const Outcome& o) {
  std::printf(
      "%-8s %6zu claims in %6.2f s: %8.1f claims/s, latency p50 %7.2f ms, p99 %7.2f ms, "
      "max %7.2f ms, duplicates %d, busy retries %d\n",
      name, o.latencies_ms.size(), o.seconds,
      static_cast<double>(o.latencies_ms.size()) / o.seconds, percentile(o.latencies_ms, 0.5),
      percentile(o.latencies_ms, 0.99), o.latencies_ms.empty() ? 0.0 : o.latencies_ms.back(),
      o.duplicates, o.busy_retries);
}

std::map<std::string, std::string> read_env(const std::filesystem::path& file) {
  std::ifstream in{file};
  if (!in)
    throw std::runtime_error("no " + file.string() + ": start MariaDB with scripts/services.sh");
  std::map<std::string, std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    const auto eq = line.find('=');
    if (!line.starts_with("export ") || eq == std::string::npos) continue;
    std::string v = line.substr(eq + 1);
    if (v.size() >= 2 && v.front() == '\'') v = v.substr(1, v.size() - 2);
    out[line.substr(7, eq - 7)] = v;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  int jobs = 1000;
  int workers = 8;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--jobs") == 0) jobs = std::stoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--workers") == 0) workers = std::stoi(argv[i + 1]);
  }
  try {
    std::printf("%d workers claiming %d jobs\n", workers, jobs);
    const auto dir =
        std::filesystem::temp_directory_path() / ("toq-claim-bench-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto file = dir / "bench.sqlite";
    auto open_sqlite = [&]() -> std::unique_ptr<core::Database> {
      return must(sqlite::SqliteDatabase::open({file, 10000, true}), "open sqlite");
    };
    seed(*open_sqlite(), jobs);
    print("sqlite", claim_all(open_sqlite, workers));
    std::filesystem::remove_all(dir);

    const char* services = std::getenv("TOQ_SERVICES_DIR");
    const auto env = read_env(std::filesystem::path(services ? services : ".") / "env.sh");
    mysql::MysqlOptions options;
    options.connection.host = env.at("TOQ_MEDIA_DATABASE_MYSQL_HOST");
    options.connection.port = std::stoi(env.at("TOQ_MEDIA_DATABASE_MYSQL_PORT"));
    options.connection.user = env.at("TOQ_MEDIA_DATABASE_MYSQL_USER");
    options.connection.password = env.at("TOQ_MEDIA_DATABASE_MYSQL_PASSWORD");
    options.connection.database = env.at("TOQ_MEDIA_DATABASE_MYSQL_DATABASE");
    options.pool_size = 2;
    auto open_mysql = [&]() -> std::unique_ptr<core::Database> {
      return must(mysql::MysqlDatabase::open(options), "open mysql");
    };
    seed(*open_mysql(), jobs);
    print("mariadb", claim_all(open_mysql, workers));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "toq_claim_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}

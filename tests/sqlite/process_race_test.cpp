// Processes (not only threads) racing on one SQLite file: exactly one creates the job, or the open
// batch; the others get the typed conflict; the database stays consistent.

#include <functional>

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "adapter/sqlite/sqlite_database.hpp"
#include "support/result_matchers.hpp"
#include "support/temp_dir.hpp"

namespace toq::testing {
namespace {

using core::ErrorCode;

constexpr int kWon = 10;
constexpr int kConflict = 11;
constexpr int kOther = 12;
constexpr int kRounds = 5;
constexpr int kProcesses = 6;

core::Timestamp t0() {
  return core::Timestamp{std::chrono::milliseconds{1'700'000'000'000}};
}

// Forks `n` children that start `attempt` at the same moment; returns their exit codes.
std::vector<int> race(int n, const std::function<int()>& attempt) {
  int gate[2];
  if (pipe(gate) != 0) throw std::runtime_error("pipe");
  std::vector<pid_t> pids;
  for (int i = 0; i < n; ++i) {
    const pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork");
    if (pid == 0) {
      close(gate[1]);
      char c;
      (void)read(gate[0], &c, 1);
      _exit(attempt());
    }
    pids.push_back(pid);
  }
  close(gate[0]);
  usleep(20000);  // let every child reach the gate
  close(gate[1]);
  std::vector<int> codes;
  for (pid_t pid : pids) {
    int status = 0;
    waitpid(pid, &status, 0);
    codes.push_back(WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  }
  return codes;
}

// In a child: open our own database handle (never reuse the parent's) and classify the outcome.
template <class F>
int classify(const std::filesystem::path& path, ErrorCode conflict, F&& work) {
  auto db = sqlite::SqliteDatabase::open({path, 10000, false});
  if (!db) return kOther;
  for (;;) {
    auto r = (*db)->transact(work);
    if (r) return kWon;
    if (r.error().code == ErrorCode::kDatabaseBusy) continue;
    return r.error().code == conflict ? kConflict : kOther;
  }
}

TEST(ProcessRace, ExactlyOneProcessCreatesTheJob) {
  TempDir dir;
  const auto path = dir / "db.sqlite";
  auto db = must(sqlite::SqliteDatabase::open({path, 10000, true}));
  for (int round = 0; round < kRounds; ++round) {
    const core::ListingId lid{100 + round};
    auto batch = must(db->transact([&](core::UnitOfWork& u) -> core::Result<core::Batch> {
      core::Listing l{lid,
                      core::UserId{1},
                      core::UserId{2},
                      core::ListingKind::kResidential,
                      "PENDING_PHOTO_PROCESSING",
                      t0()};
      if (auto r = u.listings().upsert(l, t0()); !r) return std::unexpected(r.error());
      return u.batches().create({lid, "", core::UserId{2}, t0()}, t0());
    }));
    auto codes = race(kProcesses, [&] {
      return classify(path, ErrorCode::kJobAlreadyActive,
                      [&](core::UnitOfWork& u) { return u.jobs().create(batch.id, t0(), ""); });
    });
    EXPECT_EQ(std::count(codes.begin(), codes.end(), kWon), 1) << "round " << round;
    EXPECT_EQ(std::count(codes.begin(), codes.end(), kConflict), kProcesses - 1)
        << "round " << round;
    auto jobs =
        must(db->transact([&](core::UnitOfWork& u) { return u.jobs().list_by_batch(batch.id); }));
    EXPECT_EQ(jobs.size(), 1u);
  }
  EXPECT_TRUE(db->check_integrity().has_value());
}

TEST(ProcessRace, ExactlyOneProcessOpensABatch) {
  TempDir dir;
  const auto path = dir / "db.sqlite";
  auto db = must(sqlite::SqliteDatabase::open({path, 10000, true}));
  for (int round = 0; round < kRounds; ++round) {
    const core::ListingId lid{200 + round};
    must(db->transact([&](core::UnitOfWork& u) {
      return u.listings().upsert(
          {lid, core::UserId{1}, core::UserId{2}, core::ListingKind::kResidential,
           "PENDING_PHOTO_PROCESSING", t0()},
          t0());
    }));
    auto codes = race(kProcesses, [&] {
      return classify(path, ErrorCode::kOpenBatchExists, [&](core::UnitOfWork& u) {
        return u.batches().create({lid, "", core::UserId{2}, t0()}, t0());
      });
    });
    EXPECT_EQ(std::count(codes.begin(), codes.end(), kWon), 1) << "round " << round;
    EXPECT_EQ(std::count(codes.begin(), codes.end(), kConflict), kProcesses - 1);
    auto batches =
        must(db->transact([&](core::UnitOfWork& u) { return u.batches().list_by_listing(lid); }));
    EXPECT_EQ(batches.size(), 1u);
  }
  EXPECT_TRUE(db->check_integrity().has_value());
}

}  // namespace
}  // namespace toq::testing

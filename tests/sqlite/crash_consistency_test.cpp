// A process killed with SIGKILL in the middle of a write transaction leaves the SQLite database
// consistent: integrity_check is ok and no half-written batch is visible.

#include <random>

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "adapter/sqlite/sqlite_database.hpp"
#include "support/result_matchers.hpp"
#include "support/temp_dir.hpp"

namespace toq::testing {
namespace {

constexpr int kAssetsPerBatch = 20;
const core::ListingId kListing{28};

core::Timestamp t0() {
  return core::Timestamp{std::chrono::milliseconds{1'700'000'000'000}};
}

core::FileDeclaration file(int i) {
  core::FileDeclaration f;
  f.client_id = "f-" + std::to_string(i);
  f.media_type = core::MediaType::kPhotoVertical;
  f.filename = "IMG_" + std::to_string(i) + ".jpg";
  f.content_type = "image/jpeg";
  f.bytes = 1'000'000 + i;
  f.checksum_sha256 = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
  f.sequence = i + 1;
  return f;
}

// One complete unit: a batch, its assets one by one, then the batch closed so the next can open.
// `midway` runs after half of the assets are written, inside the open transaction.
core::Status write_batch(core::Database& db, const std::function<void()>& midway) {
  return db.run([&](core::UnitOfWork& u) -> core::Status {
    auto b = u.batches().create({kListing, "crash", core::UserId{7}, t0()}, t0());
    if (!b) return std::unexpected(b.error());
    for (int i = 0; i < kAssetsPerBatch; ++i) {
      if (i == kAssetsPerBatch / 2) midway();
      if (auto a = u.assets().add(b->id, {file(i)}, t0()); !a) return std::unexpected(a.error());
    }
    using core::BatchStatus;
    for (auto [from, to] : {std::pair{BatchStatus::kPendingUpload, BatchStatus::kReceived},
                            std::pair{BatchStatus::kReceived, BatchStatus::kFailed}}) {
      if (auto r = u.batches().transition(b->id, from, to, t0()); !r)
        return std::unexpected(r.error());
    }
    return {};
  });
}

void expect_consistent(const std::filesystem::path& path, int trial) {
  auto db = must(sqlite::SqliteDatabase::open({path, 10000, true}));
  auto integrity = db->check_integrity();
  ASSERT_TRUE(integrity.has_value()) << "trial " << trial << ": " << integrity.error().message;
  auto batches = must(
      db->transact([&](core::UnitOfWork& u) { return u.batches().list_by_listing(kListing); }));
  for (const auto& b : batches) {
    auto assets =
        must(db->transact([&](core::UnitOfWork& u) { return u.assets().list_by_batch(b.id); }));
    ASSERT_EQ(assets.size(), static_cast<std::size_t>(kAssetsPerBatch))
        << "trial " << trial << ": half-written batch " << b.id.value;
    ASSERT_EQ(b.status, core::BatchStatus::kFailed) << "trial " << trial;
  }
  auto open =
      must(db->transact([&](core::UnitOfWork& u) { return u.batches().find_open(kListing); }));
  ASSERT_FALSE(open.has_value()) << "trial " << trial;
}

class CrashConsistency : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = must(sqlite::SqliteDatabase::open({path_, 10000, true}));
    must(db->transact([&](core::UnitOfWork& u) {
      return u.listings().upsert(
          {kListing, core::UserId{11}, core::UserId{7}, core::ListingKind::kResidential,
           "PENDING_PHOTO_PROCESSING", t0()},
          t0());
    }));
  }
  TempDir dir_;
  std::filesystem::path path_ = dir_ / "db.sqlite";
};

// Deterministic: the child signals from inside the transaction, half-way, and is killed there.
TEST_F(CrashConsistency, KilledInsideTheTransactionLeavesNoTrace) {
  for (int trial = 0; trial < 5; ++trial) {
    int ready[2];
    ASSERT_EQ(pipe(ready), 0);
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(ready[0]);
      auto db = sqlite::SqliteDatabase::open({path_, 10000, false});
      if (!db) _exit(2);
      (void)write_batch(**db, [&] {
        (void)!write(ready[1], "x", 1);
        pause();  // wait for SIGKILL with the transaction open
      });
      _exit(3);
    }
    close(ready[1]);
    char c = 0;
    ASSERT_EQ(read(ready[0], &c, 1), 1) << "child never reached the middle of its transaction";
    close(ready[0]);
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status));
    expect_consistent(path_, trial);
    auto db = must(sqlite::SqliteDatabase::open({path_, 10000, true}));
    auto batches = must(
        db->transact([&](core::UnitOfWork& u) { return u.batches().list_by_listing(kListing); }));
    EXPECT_TRUE(batches.empty()) << "the killed transaction must not be visible";
  }
}

// Random: the child commits batch after batch and is killed at a random moment, anywhere in the
// write path (inside statements, during COMMIT, between transactions).
TEST_F(CrashConsistency, KilledAtRandomMomentsAlwaysRecovers) {
  std::mt19937 rng(20261126);
  std::uniform_int_distribution<int> delay_us(0, 40000);
  int committed_seen = 0;
  for (int trial = 0; trial < 30; ++trial) {
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      auto db = sqlite::SqliteDatabase::open({path_, 10000, false});
      if (!db) _exit(2);
      for (;;) (void)write_batch(**db, [] {});
    }
    usleep(static_cast<useconds_t>(delay_us(rng)));
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the writer must have been killed, not have exited";
    expect_consistent(path_, trial);
    if (HasFatalFailure()) return;
    auto db = must(sqlite::SqliteDatabase::open({path_, 10000, true}));
    committed_seen = static_cast<int>(must(db->transact([&](core::UnitOfWork& u) {
                                        return u.batches().list_by_listing(kListing);
                                      })).size());
  }
  EXPECT_GT(committed_seen, 0) << "the writer never committed: the test did not exercise anything";
  RecordProperty("committed_batches", committed_seen);
}

}  // namespace
}  // namespace toq::testing

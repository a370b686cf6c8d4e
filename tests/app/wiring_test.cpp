// The composition root picks the adapters the configuration names: the embedded store with its
// secret kept in the data dir, or the S3 adapter (here against s3rver) with credentials from
// config.

#include "app/wiring.hpp"

#include <fstream>
#include <set>
#include <sstream>

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "adapter/sqlite/connection.hpp"
#include "adapter/sqlite/migrations.hpp"
#include "adapter/storage/local_object_store.hpp"
#include "app/logging.hpp"
#include "app/secrets.hpp"
#include "s3/s3_test_support.hpp"
#include "support/io/byte_sources.hpp"
#include "support/result_matchers.hpp"
#include "support/temp_dir.hpp"

namespace toq::testing {
namespace {

core::Result<app::Config> config_for(const std::filesystem::path& data_dir,
                                     std::map<std::string, std::string, std::less<>> env = {}) {
  env["TOQ_MEDIA_DATA_DIR"] = data_dir.string();
  return app::load_config(std::nullopt, app::MapEnvironment(std::move(env)));
}

// Puts `text` and reads it back through the wired store.
void round_trip(core::ObjectStore& store, const std::string& key, const std::string& text) {
  support::MemorySource source(text);
  core::PutOptions put;
  put.content_type = "text/plain";
  put.content_length = static_cast<std::int64_t>(text.size());
  auto info = must(store.put(key, source, put), "put");
  EXPECT_EQ(info.size, static_cast<std::int64_t>(text.size()));
  support::BufferSink sink;
  must(store.get(key, sink), "get");
  EXPECT_EQ(sink.bytes, text);
}

TEST(Wiring, EmbeddedStoreKeepsItsSecretInTheDataDir) {
  TempDir dir;
  const core::SystemClock clock;
  auto config = must(config_for(dir / "var"));
  auto storage = must(app::open_object_storage(config, clock));
  ASSERT_NE(storage.local, nullptr);
  round_trip(*storage.store, "listings/1/batches/2/raw/3", "hello");
  const auto secret_file = dir / "var" / "storage.secret";
  struct stat st {};
  ASSERT_EQ(::stat(secret_file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const auto first = must(app::load_or_create_secret(secret_file));
  EXPECT_EQ(first.size(), 64u);
  // A restart reuses the same secret, so URLs handed out before it stay valid.
  auto again = must(app::open_object_storage(config, clock));
  EXPECT_EQ(must(app::load_or_create_secret(secret_file)), first);
  auto url = must(again.signer->presign_put(
      "listings/1/batches/2/raw/4", {"image/jpeg", 5, std::nullopt, std::chrono::seconds(60)}));
  EXPECT_EQ(url.url.rfind(config.storage.public_base_url + "/storage/", 0), 0u) << url.url;
  EXPECT_NE(url.url.find(app::kLocalAccessKeyId), std::string::npos) << url.url;
}

// serve's reaping task gets the embedded store's reap() from here: a temp file a crashed writer
// left (untouched for over an hour) goes, a fresh one stays.
TEST(Wiring, EmbeddedStoreReaperRemovesStaleTempFilesOnly) {
  TempDir dir;
  const core::SystemClock clock;
  auto config = must(config_for(dir / "var"));
  auto storage = must(app::open_object_storage(config, clock));
  auto reap = app::make_store_reaper(storage);
  ASSERT_TRUE(reap);
  const auto temp = storage.local->temp_dir();
  std::ofstream(temp / "w-stale") << "left by a crashed writer";
  std::ofstream(temp / "w-fresh") << "being written";
  std::filesystem::last_write_time(
      temp / "w-stale", std::filesystem::file_time_type::clock::now() - std::chrono::hours(2));
  const auto reaped = reap();
  EXPECT_EQ(reaped.temp_files, 1u);
  EXPECT_EQ(reaped.uploads, 0u);
  EXPECT_FALSE(std::filesystem::exists(temp / "w-stale"));
  EXPECT_TRUE(std::filesystem::exists(temp / "w-fresh"));
}

// A start that migrates says so: what ran, from which version, for how long (a rebuild of four
// tables can take seconds on a large database), and nothing when the schema is current.
TEST(Wiring, OpeningAnOlderDatabaseLogsTheMigrationsItApplied) {
  TempDir dir;
  auto config = must(config_for(dir / "var"));
  std::filesystem::create_directories(config.database.sqlite.path.parent_path());
  {
    auto conn = must(sqlite::Connection::open({config.database.sqlite.path, 1000}));
    must(sqlite::migrate_to(*conn, 8));
  }
  std::ostringstream lines;
  app::init_logging(config.log, &lines);
  must(app::open_database(config));
  must(app::open_database(config));
  app::init_logging(config.log);

  std::vector<nlohmann::json> migrated;
  std::istringstream in(lines.str());
  for (std::string line; std::getline(in, line);) {
    const auto entry = nlohmann::json::parse(line, nullptr, false);
    if (!entry.is_discarded() && entry.value("msg", "") == "database migrated") {
      migrated.push_back(entry);
    }
  }
  ASSERT_EQ(migrated.size(), 1u) << lines.str();
  EXPECT_EQ(migrated[0]["from_version"], 8);
  EXPECT_EQ(migrated[0]["to_version"], sqlite::latest_schema_version());
  EXPECT_EQ(migrated[0]["applied"].at(0), "9 checks_without_in_lists");
  EXPECT_EQ(migrated[0]["database"], config.database.sqlite.path.string());
  EXPECT_TRUE(migrated[0]["duration_ms"].is_number_integer());
}

TEST(Wiring, DownloadDispositionIsAnAttachmentWithAnAsciiFallback) {
  EXPECT_EQ(app::download_disposition("Fachada \u00e0 noite.jpg"),
            "attachment; filename=\"Fachada a noite.jpg\"; "
            "filename*=UTF-8''Fachada%20%C3%A0%20noite.jpg");
}

TEST(Secrets, ProcessesRacingOnAFreshDataDirGetOneSecret) {
  TempDir dir;
  const auto path = dir / "var" / "storage.secret";
  int pipes[2];
  ASSERT_EQ(pipe(pipes), 0);
  std::vector<pid_t> pids;
  for (int i = 0; i < 8; ++i) {
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      auto s = app::load_or_create_secret(path);
      const std::string line = (s ? *s : "ERROR " + s.error().message) + "\n";
      (void)!write(pipes[1], line.data(), line.size());
      _exit(s ? 0 : 1);
    }
    pids.push_back(pid);
  }
  close(pipes[1]);
  for (pid_t pid : pids) {
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  std::string all;
  char buf[512];
  for (ssize_t n; (n = read(pipes[0], buf, sizeof buf)) > 0;)
    all.append(buf, static_cast<std::size_t>(n));
  close(pipes[0]);
  std::istringstream lines(all);
  std::set<std::string> distinct;
  for (std::string line; std::getline(lines, line);) distinct.insert(line);
  ASSERT_EQ(distinct.size(), 1u) << all;
  EXPECT_EQ(*distinct.begin(), must(app::load_or_create_secret(path)));
  for (const auto& entry : std::filesystem::directory_iterator(dir / "var")) {
    EXPECT_EQ(entry.path().filename(), "storage.secret") << "temp file left behind";
  }
}

TEST(Secrets, AFileOthersCanReadIsRefusedWithAHint) {
  TempDir dir;
  const auto path = dir / "storage.secret";
  must(app::load_or_create_secret(path));
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  auto r = app::load_or_create_secret(path);
  ASSERT_TRUE(fails_with(r, core::ErrorCode::kConfigInvalid));
  EXPECT_NE(r.error().hint.find("chmod 600"), std::string::npos);
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  std::ofstream(path) << "not-a-secret\n";
  EXPECT_TRUE(fails_with(app::load_or_create_secret(path), core::ErrorCode::kConfigInvalid));
}

TEST(Wiring, S3DriverTalksToAnS3CompatibleServerWithConfiguredCredentials) {
  TOQ_REQUIRE_S3_TARGET();
  const auto& target = s3_target();
  TempDir dir;
  auto config = must(config_for(
      dir / "var",
      {{"TOQ_MEDIA_STORAGE_DRIVER", "s3"},
       {"TOQ_MEDIA_STORAGE_S3_BUCKET", target.bucket},
       {"TOQ_MEDIA_STORAGE_S3_REGION", target.region},
       {"TOQ_MEDIA_STORAGE_S3_ENDPOINT", target.endpoint},
       {"TOQ_MEDIA_STORAGE_S3_PATH_STYLE", "true"},
       {"TOQ_MEDIA_STORAGE_S3_ACCESS_KEY_ID", target.credentials.access_key_id},
       {"TOQ_MEDIA_STORAGE_S3_SECRET_ACCESS_KEY", target.credentials.secret_access_key}}));
  const core::SystemClock clock;
  auto storage = must(app::open_object_storage(config, clock));
  EXPECT_EQ(storage.local, nullptr);
  EXPECT_FALSE(app::make_store_reaper(storage));  // S3's lifecycle rules do that
  round_trip(*storage.store, target.run_prefix + "wiring/object.txt", "from the wired S3 store");
  auto url = must(storage.signer->presign_get(target.run_prefix + "wiring/object.txt", {}));
  EXPECT_EQ(url.url.rfind(target.endpoint, 0), 0u) << url.url;
}

}  // namespace
}  // namespace toq::testing

// The real toq-media binary, driven as an operator would: version, migrate, config.

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>
#include <sys/wait.h>

#include "adapter/http/auth/jwt_verifier.hpp"
#include "adapter/sqlite/connection.hpp"
#include "adapter/sqlite/migrations.hpp"
#include "support/result_matchers.hpp"
#include "support/shell.hpp"
#include "support/temp_dir.hpp"

namespace toq::testing {
namespace {

// toq-media with `args`, stdout and stderr together.
CommandResult run(const std::string& args, const std::string& env = "") {
  return run_capture(env + " " + TOQ_MEDIA_BINARY + " " + args);
}

TEST(Cli, VersionPrintsTheVersionAndSchema) {
  auto r = run("version");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("toq-media 0."), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("schema version"), std::string::npos) << r.output;
}

TEST(Cli, MigrateCreatesTheDatabaseInTheDataDirThenIsANoOp) {
  TempDir dir;
  auto first = run("migrate --data-dir " + (dir / "var").string());
  ASSERT_EQ(first.status, 0) << first.output;
  EXPECT_NE(first.output.find("applied 1 initial_schema"), std::string::npos) << first.output;
  const auto db = dir / "var" / "toq-media.db";
  ASSERT_TRUE(std::filesystem::exists(db)) << first.output;
  auto conn = must(sqlite::Connection::open({db, 1000}));
  EXPECT_EQ(must(sqlite::schema_version(*conn)), sqlite::latest_schema_version());
  auto second = run("migrate --data-dir " + (dir / "var").string());
  EXPECT_EQ(second.status, 0) << second.output;
  EXPECT_NE(second.output.find("up to date"), std::string::npos) << second.output;
}

// `toq-media migrate` logs the same "database migrated" line as a start that migrates
// (tests/app/wiring_test.cpp): what ran and for how long, whichever path ran it.
TEST(Cli, MigrateLogsTheSameMigrationLineAsAStart) {
  TempDir dir;
  const auto db = dir / "var" / "toq-media.db";
  {
    std::filesystem::create_directories(db.parent_path());
    auto conn = must(sqlite::Connection::open({db, 1000}));
    must(sqlite::migrate_to(*conn, 8));
  }
  auto r = run("migrate --data-dir " + (dir / "var").string());
  ASSERT_EQ(r.status, 0) << r.output;
  std::vector<nlohmann::json> lines;
  std::istringstream in(r.output);
  for (std::string line; std::getline(in, line);) {
    const auto entry = nlohmann::json::parse(line, nullptr, false);
    if (entry.is_object() && entry.value("msg", "") == "database migrated") lines.push_back(entry);
  }
  ASSERT_EQ(lines.size(), 1u) << r.output;
  EXPECT_EQ(lines[0]["database"], db.string());
  EXPECT_EQ(lines[0]["from_version"], 8);
  EXPECT_EQ(lines[0]["to_version"], sqlite::latest_schema_version());
  ASSERT_TRUE(lines[0]["applied"].is_array()) << lines[0].dump();
  EXPECT_EQ(lines[0]["applied"].at(0), "9 checks_without_in_lists");
  EXPECT_TRUE(lines[0]["duration_ms"].is_number_integer()) << lines[0].dump();
}

TEST(Cli, EnvironmentAndFileConfigureTheDatabasePath) {
  TempDir dir;
  const auto file = dir / "toq.yaml";
  std::ofstream(file) << "database:\n  sqlite:\n    path: " << (dir / "from-file.db").string()
                      << "\n";
  auto r = run("migrate --config " + file.string());
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(std::filesystem::exists(dir / "from-file.db"));
  auto e = run("migrate --config " + file.string(),
               "TOQ_MEDIA_DATABASE_SQLITE_PATH=" + (dir / "from-env.db").string());
  ASSERT_EQ(e.status, 0) << e.output;
  EXPECT_TRUE(std::filesystem::exists(dir / "from-env.db")) << "env overrides the file";
}

TEST(Cli, BadConfigurationFailsWithCodeAndNamesTheKey) {
  TempDir dir;
  const auto file = dir / "toq.yaml";
  std::ofstream(file) << "uploads:\n  maxFilesPerBatch: lots\n";
  auto r = run("migrate --config " + file.string());
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("CONFIG_INVALID"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("uploads.maxFilesPerBatch"), std::string::npos) << r.output;
}

TEST(Cli, DatabaseFromANewerReleaseIsRefusedWithAHint) {
  TempDir dir;
  ASSERT_EQ(run("migrate --data-dir " + dir.path().string()).status, 0);
  {
    auto conn = must(sqlite::Connection::open({dir / "toq-media.db", 1000}));
    must(conn->exec("INSERT INTO schema_migrations (version, name) VALUES (999, 'future')"));
  }
  auto r = run("migrate --data-dir " + dir.path().string());
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("SCHEMA_TOO_NEW"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("hint:"), std::string::npos) << r.output;
}

TEST(Cli, ConfigShowRedactsSecretsUnlessAsked) {
  auto r = run("config", "TOQ_MEDIA_AUTH_JWT_SECRET=s3cr3t-value-that-is-long-enough-for-hs256");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output.find("s3cr3t-value-that-is-long-enough-for-hs256"), std::string::npos)
      << r.output;
  auto shown = run("config --show-secrets",
                   "TOQ_MEDIA_AUTH_JWT_SECRET=s3cr3t-value-that-is-long-enough-for-hs256");
  EXPECT_NE(shown.output.find("s3cr3t-value-that-is-long-enough-for-hs256"), std::string::npos)
      << shown.output;
}

TEST(Cli, UnknownSubcommandIsAUsageError) {
  auto r = run("frobnicate");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("unknown command 'frobnicate'"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("migrate, config"), std::string::npos) << r.output;
  auto none = run("");
  EXPECT_EQ(none.status, 2) << none.output;
}

// ---- token ----

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

core::Result<core::Principal> verify_with(const std::string& secret, const std::string& token) {
  static const core::SystemClock clock;
  auto verifier = http::auth::JwtVerifier::create(
      {http::auth::JwtAlgorithm::kHs256, secret, "", "", std::chrono::seconds{60}}, clock);
  if (!verifier) return std::unexpected(verifier.error());
  return verifier->verify("Bearer " + token);
}

TEST(Cli, TokenPrintsOneJwtSignedWithTheDataDirSecret) {
  TempDir dir;
  const auto data = dir / "var";
  auto r = run("token --data-dir " + data.string() + " --sub 7 --role photographer");
  ASSERT_EQ(r.status, 0) << r.output;
  ASSERT_FALSE(r.output.empty());
  EXPECT_EQ(r.output.back(), '\n');
  EXPECT_EQ(r.output.find('\n'), r.output.size() - 1) << "exactly one line: " << r.output;
  const std::string token = r.output.substr(0, r.output.size() - 1);

  const auto secret_file = data / "jwt.secret";
  ASSERT_TRUE(std::filesystem::exists(secret_file));
  struct stat st {};
  ASSERT_EQ(::stat(secret_file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::string secret = read_file(secret_file);
  while (!secret.empty() && secret.back() == '\n') secret.pop_back();  // stored with a newline
  EXPECT_EQ(secret.size(), 64u);

  const auto p = must(verify_with(secret, token));
  EXPECT_EQ(p.user, core::UserId{7});
  EXPECT_EQ(p.role, core::Role::kPhotographer);

  auto again = run("token --data-dir " + data.string() + " --sub 11 --role owner --ttl 60");
  ASSERT_EQ(again.status, 0) << again.output;
  EXPECT_EQ(read_file(secret_file), secret + "\n") << "the secret is reused, not regenerated";
  const auto q = must(verify_with(secret, again.output.substr(0, again.output.size() - 1)));
  EXPECT_EQ(q.user, core::UserId{11});
  EXPECT_EQ(q.role, core::Role::kOwner);
}

TEST(Cli, TokenUsesTheConfiguredSecretWhenThereIsOne) {
  TempDir dir;
  const std::string secret = "s3cr3t-value-that-is-long-enough-for-hs256";
  auto r = run("token --data-dir " + dir.path().string() + " --sub 3 --role admin",
               "TOQ_MEDIA_AUTH_JWT_SECRET=" + secret);
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(must(verify_with(secret, r.output.substr(0, r.output.size() - 1))).role,
            core::Role::kAdmin);
  EXPECT_FALSE(std::filesystem::exists(dir / "jwt.secret"));
}

TEST(Cli, TokenRejectsBadArguments) {
  TempDir dir;
  const std::string base = "token --data-dir " + dir.path().string();
  auto wizard = run(base + " --sub 7 --role wizard");
  EXPECT_EQ(wizard.status, 2) << wizard.output;
  EXPECT_NE(wizard.output.find("wizard"), std::string::npos) << wizard.output;
  EXPECT_EQ(run(base + " --sub abc --role admin").status, 2);
  EXPECT_EQ(run(base + " --sub 0 --role admin").status, 2);
  EXPECT_EQ(run(base + " --role admin").status, 2) << "--sub is required";
  EXPECT_EQ(run(base + " --sub 7").status, 2) << "--role is required";
  EXPECT_EQ(run(base + " --sub 7 --role admin --ttl 0").status, 2);
  EXPECT_EQ(run(base + " --sub 7 --role admin --ttl 31536001").status, 2);
  EXPECT_EQ(run(base + " --sub 7 --role admin --ttl 31536000").status, 0);
}

TEST(Cli, TokenRefusesWhenRs256IsConfigured) {
  TempDir dir;
  const auto pem = dir / "public.pem";
  std::ofstream(pem) << "-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n";
  auto r = run("token --data-dir " + dir.path().string() + " --sub 7 --role admin",
               "TOQ_MEDIA_AUTH_JWT_PUBLIC_KEY_FILE=" + pem.string());
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("CONFIG_INVALID"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("jwtPublicKeyFile"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("hint:"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace toq::testing

#include "adapter/web/static_files.hpp"

#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <unistd.h>

namespace toq::web {
namespace {

namespace fs = std::filesystem;

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() /
            ("toq_web_static_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(base_);
    root_ = base_ / "bundle";
    write(root_ / "ui/upload/index.html", "<!doctype html><title>Enviar</title>");
    write(root_ / "ui/assets/upload-3f9a.js", "console.log('upload');");
    write(root_ / "docs/index.html", "<!doctype html><title>API</title>");
    write(root_ / ".secret", "dotfile");
    write(base_ / "outside.txt", "not part of the bundle");
  }
  void TearDown() override { fs::remove_all(base_); }

  static void write(const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    std::ofstream{path, std::ios::binary} << text;
  }

  StaticResponse get(const std::string& path, const std::string& method = "GET",
                     const std::string& if_none_match = "") const {
    return handler().handle(StaticRequest{method, path, if_none_match});
  }
  StaticFileHandler handler() const {
    return StaticFileHandler{StaticSiteConfig{.root = root_,
                                              .content_security_policy = "default-src 'self'",
                                              .immutable_prefixes = {"/ui/assets/"}}};
  }

  fs::path base_;
  fs::path root_;
};

TEST_F(StaticFilesTest, DirectoryServesItsIndexWithOrWithoutTrailingSlash) {
  for (const char* path : {"/ui/upload", "/ui/upload/", "/ui/upload/index.html"}) {
    const auto r = get(path);
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.body, "<!doctype html><title>Enviar</title>") << path;
    EXPECT_EQ(r.header("Content-Type"), "text/html; charset=utf-8") << path;
    EXPECT_EQ(r.header("Content-Security-Policy"), "default-src 'self'") << path;
    EXPECT_EQ(r.header("Referrer-Policy"), "no-referrer") << path;
    EXPECT_EQ(r.header("Cache-Control"), "no-cache") << path;
    EXPECT_EQ(r.header("Content-Length"), "36") << path;
  }
}

TEST_F(StaticFilesTest, HashedAssetsAreImmutableAndCarryNoPagePolicy) {
  const auto r = get("/ui/assets/upload-3f9a.js");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "console.log('upload');");
  EXPECT_EQ(r.header("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(r.header("Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(r.header("X-Content-Type-Options"), "nosniff");
  EXPECT_TRUE(r.header("Content-Security-Policy").empty());
}

TEST_F(StaticFilesTest, TraversalAndHiddenFilesAnswer404WithoutReadingThem) {
  for (const char* path :
       {"/ui/../outside.txt", "/../outside.txt", "/ui/./upload", "/.secret", "/ui//upload",
        "/ui/upload/..", "/ui\\..\\outside.txt", "/ui/%2e%2e/outside.txt", "ui/upload", "", "/",
        "/ui/up load", "/ui/upload\n"}) {
    const auto r = get(path);
    EXPECT_EQ(r.status, 404) << "path: " << path;
    EXPECT_EQ(r.body.find("not part of the bundle"), std::string::npos) << path;
    EXPECT_EQ(r.body.find("dotfile"), std::string::npos) << path;
  }
  // A NUL byte in the decoded path.
  EXPECT_EQ(get(std::string{"/ui/upload\0/x", 13}).status, 404);
}

TEST_F(StaticFilesTest, SymlinkLeavingTheRootAnswers404) {
  fs::create_symlink(base_ / "outside.txt", root_ / "ui/link.txt");
  fs::create_directory_symlink(base_, root_ / "ui/escape");
  EXPECT_EQ(get("/ui/link.txt").status, 404);
  EXPECT_EQ(get("/ui/escape/outside.txt").status, 404);
  // A link that stays inside the bundle is followed.
  fs::create_symlink(root_ / "docs/index.html", root_ / "ui/docs.html");
  EXPECT_EQ(get("/ui/docs.html").status, 200);
}

TEST_F(StaticFilesTest, MatchingETagAnswers304WithoutBody) {
  const auto first = get("/docs");
  ASSERT_EQ(first.status, 200);
  const std::string etag{first.header("ETag")};
  ASSERT_FALSE(etag.empty());
  EXPECT_EQ(etag.front(), '"');
  const auto again = get("/docs", "GET", etag);
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  EXPECT_EQ(again.header("ETag"), etag);
  EXPECT_EQ(get("/docs", "GET", "\"other\", W/" + etag).status, 304);
  EXPECT_EQ(get("/docs", "GET", "\"other\"").status, 200);
  // A changed file gets another tag.
  write(root_ / "docs/index.html", "<!doctype html><title>API v2, longer</title>");
  EXPECT_EQ(get("/docs", "GET", etag).status, 200);
}

TEST_F(StaticFilesTest, HeadDescribesTheFileWithoutBody) {
  const auto r = get("/ui/assets/upload-3f9a.js", "HEAD");
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(r.header("Content-Length"), "22");
}

TEST_F(StaticFilesTest, OtherMethodsAnswer405WithAllow) {
  for (const char* method : {"POST", "PUT", "DELETE", "OPTIONS"}) {
    const auto r = get("/ui/upload", method);
    EXPECT_EQ(r.status, 405) << method;
    EXPECT_EQ(r.header("Allow"), "GET, HEAD") << method;
  }
}

TEST_F(StaticFilesTest, MissingFileOrMissingRootAnswers404) {
  const auto missing = get("/ui/gallery");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.header("Content-Type"), "application/json");
  EXPECT_EQ(missing.body, R"({"code":"NOT_FOUND","message":"No such page or file."})");
  EXPECT_EQ(get("/ui/assets/none.js").status, 404);
  const StaticFileHandler nowhere{StaticSiteConfig{
      .root = base_ / "absent", .content_security_policy = "", .immutable_prefixes = {}}};
  EXPECT_EQ(nowhere.handle(StaticRequest{"GET", "/ui/upload", ""}).status, 404);
  EXPECT_FALSE(nowhere.has_file("ui/upload/index.html"));
  EXPECT_TRUE(handler().has_file("ui/upload/index.html"));
}

TEST(ContentTypeFor, KnownAndUnknownExtensions) {
  EXPECT_EQ(content_type_for("a.css"), "text/css; charset=utf-8");
  EXPECT_EQ(content_type_for("a.wasm"), "application/wasm");
  EXPECT_EQ(content_type_for("a.svg"), "image/svg+xml");
  EXPECT_EQ(content_type_for("a.bin"), "application/octet-stream");
  EXPECT_EQ(content_type_for("README"), "application/octet-stream");
}

}  // namespace
}  // namespace toq::web

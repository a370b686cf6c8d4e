// Interoperability with an independent S3 client: Debian's awscli (2.9.19, /usr/bin/aws; not the
// one a pyenv may put first on PATH) reads what toq-media wrote and writes what toq-media reads,
// against the same S3-compatible server (s3rver, or TOQ_S3_ENDPOINT). Bytes must be identical;
// sizes, content types and ETags must agree between the two clients.
//
// awscli runs with a clean environment: credentials from the target, no config files, no
// instance metadata lookups.

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "conformance/object_store_conformance.hpp"
#include "s3/s3_test_support.hpp"
#include "support/result_matchers.hpp"
#include "support/temp_dir.hpp"

namespace toq::testing {

GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(ObjectStoreConformance);

namespace {

constexpr std::size_t kMiB = 1024 * 1024;

class AwsCliInterop : public ::testing::Test {
 protected:
  void SetUp() override {
    TOQ_REQUIRE_S3_TARGET();
    if (!std::filesystem::exists(TOQ_AWS_CLI)) {
      const std::string why = std::string{TOQ_AWS_CLI} + " is missing (Debian package awscli)";
      if (s3_required()) FAIL() << why;
      GTEST_SKIP() << "SKIPPED: " << why;
    }
  }

  // `aws --endpoint-url ... <args>` with the target's credentials; exit status and output.
  CommandResult aws(const std::string& args) {
    const auto& t = s3_target();
    std::string env = "env -i PATH=/usr/bin:/bin HOME=" + shell_quote(dir_.path().string()) +
                      " AWS_ACCESS_KEY_ID=" + shell_quote(t.credentials.access_key_id) +
                      " AWS_SECRET_ACCESS_KEY=" + shell_quote(t.credentials.secret_access_key) +
                      " AWS_DEFAULT_REGION=" + shell_quote(t.region) +
                      " AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null"
                      " AWS_EC2_METADATA_DISABLED=true AWS_PAGER=";
    if (t.credentials.session_token) {
      env += " AWS_SESSION_TOKEN=" + shell_quote(*t.credentials.session_token);
    }
    return run_capture(env + " " + TOQ_AWS_CLI + " --endpoint-url " + shell_quote(t.endpoint) +
                       " --output json " + args);
  }
  nlohmann::json aws_json(const std::string& args) {
    const auto run = aws(args);
    EXPECT_EQ(run.status, 0) << "aws " << args << "\n" << run.output;
    // Output may carry warnings before the JSON document.
    const auto brace = run.output.find('{');
    if (brace == std::string::npos) return nlohmann::json::object();
    return nlohmann::json::parse(run.output.substr(brace), nullptr, false);
  }

  std::string key(std::string_view name) const {
    return s3_target().run_prefix + "awscli/" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name() + "/" +
           std::string{name};
  }
  std::string bucket() const { return shell_quote(s3_target().bucket); }
  std::string file(const std::string& name) const {
    return shell_quote((dir_.path() / name).string());
  }
  void write_file(const std::string& name, const std::string& data) {
    std::ofstream out{dir_ / name, std::ios::binary};
    out << data;
  }
  std::string read_file(const std::string& name) {
    std::ifstream in{dir_ / name, std::ios::binary};
    return std::string{std::istreambuf_iterator<char>(in), {}};
  }
  std::string toq_read(const std::string& k, std::optional<core::ByteRange> range = {}) {
    StringSink sink;
    must(h_.store->get(k, sink, range), "toq get");
    return sink.bytes;
  }

  S3Harness h_;
  TempDir dir_;
};

TEST_F(AwsCliInterop, AwsReadsAnObjectToqWrote) {
  const std::string k = key("photo 01 (sala).jpg");
  const std::string data = test_bytes(1 * kMiB + 12345, 1);  // > 1 MiB: the streamed path
  StringSource source{data};
  auto put =
      must(h_.store->put(k, source,
                         {"image/jpeg", static_cast<std::int64_t>(data.size()), std::nullopt}),
           "toq put");
  const auto got = aws_json("s3api get-object --bucket " + bucket() + " --key " + shell_quote(k) +
                            " " + file("out.jpg"));
  EXPECT_TRUE(read_file("out.jpg") == data) << "bytes differ";
  EXPECT_EQ(got.value("ContentType", ""), "image/jpeg");
  EXPECT_EQ(got.value("ContentLength", std::int64_t{0}), static_cast<std::int64_t>(data.size()));
  EXPECT_EQ(got.value("ETag", ""), put.etag);
}

TEST_F(AwsCliInterop, ToqReadsAnObjectAwsWrote) {
  const std::string k = key("docs/planta baixa.pdf");
  const std::string data = test_bytes(300'000, 2);
  write_file("in.pdf", data);
  const auto put = aws_json("s3api put-object --bucket " + bucket() + " --key " + shell_quote(k) +
                            " --body " + file("in.pdf") + " --content-type application/pdf");
  EXPECT_TRUE(toq_read(k) == data) << "bytes differ";
  auto head = must(h_.store->head(k), "toq head");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->size, 300'000);
  EXPECT_EQ(head->content_type, "application/pdf");
  EXPECT_EQ(head->etag, put.value("ETag", "?"));
  EXPECT_EQ(toq_read(k, core::ByteRange{299'990, std::nullopt}), data.substr(299'990));
}

TEST_F(AwsCliInterop, ToqReadsAMultipartObjectAwsS3CpWrote) {
  const std::string k = key("tour.mp4");
  const std::string data = test_bytes(9 * kMiB + 333, 3);  // > 8 MiB: aws s3 cp goes multipart
  write_file("tour.mp4", data);
  const auto run =
      aws("s3 cp --debug " + file("tour.mp4") + " " +
          shell_quote("s3://" + s3_target().bucket + "/" + k) + " --content-type video/mp4");
  ASSERT_EQ(run.status, 0) << run.output.substr(run.output.size() > 4000 ? run.output.size() - 4000
                                                                         : 0);
  EXPECT_NE(run.output.find("CompleteMultipartUpload"), std::string::npos)
      << "aws s3 cp did not use multipart";
  EXPECT_NE(run.output.find("partNumber=2"), std::string::npos);
  auto head = must(h_.store->head(k), "toq head");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->size, static_cast<std::int64_t>(data.size()));
  EXPECT_EQ(head->content_type, "video/mp4");
  EXPECT_TRUE(toq_read(k) == data) << "bytes differ";
  // Across the 8 MiB part boundary.
  EXPECT_TRUE(toq_read(k, core::ByteRange{8 * kMiB - 5, 8 * kMiB + 4}) ==
              data.substr(8 * kMiB - 5, 10));
}

TEST_F(AwsCliInterop, AwsReadsAMultipartObjectToqWrote) {
  const std::string k = key("archive.zip");
  const std::vector<std::string> parts = {test_bytes(5 * kMiB, 41), test_bytes(4321, 42)};
  const auto id = must(
      h_.store->create_multipart(k, {"application/zip", std::nullopt, std::nullopt}), "create");
  std::vector<core::CompletedPart> done;
  for (int n = 1; n <= 2; ++n) {
    StringSource source{parts[static_cast<std::size_t>(n - 1)]};
    auto p = must(h_.store->upload_part(k, id, n, source, std::nullopt), "part");
    done.push_back({n, p.etag});
  }
  auto info = must(h_.store->complete_multipart(k, id, done), "complete");
  const auto got = aws_json("s3api get-object --bucket " + bucket() + " --key " + shell_quote(k) +
                            " " + file("archive.zip"));
  EXPECT_TRUE(read_file("archive.zip") == parts[0] + parts[1]) << "bytes differ";
  EXPECT_EQ(got.value("ContentType", ""), "application/zip");
  EXPECT_EQ(got.value("ETag", ""), info.etag);
}

TEST_F(AwsCliInterop, AwsListsThePartsOfAnUploadToqStartedWhereTheServerAllows) {
  const std::string k = key("listed.bin");
  const auto id = must(h_.store->create_multipart(k, {}), "create");
  StringSource source{"part one"};
  auto part = must(h_.store->upload_part(k, id, 1, source, 8), "part");
  const auto run = aws("s3api list-parts --bucket " + bucket() + " --key " + shell_quote(k) +
                       " --upload-id " + shell_quote(id));
  if (s3_target().is_s3rver) {
    // s3rver has no ListParts: awscli sees the same 405 the adapter maps to STORAGE_ERROR.
    EXPECT_NE(run.status, 0);
    EXPECT_NE(run.output.find("MethodNotAllowed"), std::string::npos) << run.output;
    return;
  }
  ASSERT_EQ(run.status, 0) << run.output;
  const auto json = nlohmann::json::parse(run.output.substr(run.output.find('{')), nullptr, false);
  ASSERT_TRUE(json.contains("Parts"));
  ASSERT_EQ(json["Parts"].size(), 1U);
  EXPECT_EQ(json["Parts"][0].value("ETag", ""), part.etag);
  EXPECT_EQ(json["Parts"][0].value("Size", 0), 8);
}

TEST_F(AwsCliInterop, ObjectsToqRemovedAreGoneForAws) {
  const std::string a = key("a.txt");
  const std::string b = key("b.txt");
  for (const auto& k : {a, b}) {
    StringSource source{"bye"};
    must(h_.store->put(k, source, {}), "put");
  }
  must(h_.store->remove({a, b}), "remove");
  for (const auto& k : {a, b}) {
    const auto run = aws("s3api head-object --bucket " + bucket() + " --key " + shell_quote(k));
    EXPECT_NE(run.status, 0);
    EXPECT_NE(run.output.find("Not Found"), std::string::npos) << run.output;
  }
}

}  // namespace
}  // namespace toq::testing

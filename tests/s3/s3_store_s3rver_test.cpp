// The S3 adapter against s3rver beyond the shared conformance suite: each request-body path (small
// buffered, large one-shot streamed, spooled unknown length, file hashed first), multipart
// assembly, virtual-hosted addressing, batched DeleteObjects, and presigned URLs used by an
// independent client (the curl command line): PUT then GET, UploadPart, and
// response-content-disposition.
//
// s3rver checks neither signatures nor checksums, so nothing here asserts that a tampered request
// is refused: that is proven on the embedded store (which verifies SigV4 presigned URLs) and by
// the SigV4 vectors and the botocore differential test.

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "conformance/object_store_conformance.hpp"
#include "s3/s3_test_support.hpp"
#include "support/io/byte_sources.hpp"
#include "support/result_matchers.hpp"
#include "support/temp_dir.hpp"

namespace toq::testing {

// Only the suite's byte helpers are used here; the suite itself runs in tests/conformance.
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(ObjectStoreConformance);

namespace {

constexpr std::size_t kMiB = 1024 * 1024;

class S3rverTest : public ::testing::Test {
 protected:
  void SetUp() override { TOQ_REQUIRE_S3_TARGET(); }

  std::string key(std::string_view name) const {
    return s3_target().run_prefix + "s3rver-test/" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name() + "/" +
           std::string{name};
  }
  std::string read_all(const std::string& k, std::optional<core::ByteRange> range = {}) {
    StringSink sink;
    must(h_.store->get(k, sink, range), "get");
    return sink.bytes;
  }
  void write_file(const std::filesystem::path& path, const std::string& data) {
    std::ofstream out{path, std::ios::binary};
    out << data;
  }

  S3Harness h_;
  TempDir dir_;
};

TEST_F(S3rverTest, SmallBodyIsBufferedHashedAndStored) {
  const std::string k = key("small.txt");
  const std::string data = test_bytes(1000, 1);
  StringSource source{data};
  auto info = must(h_.store->put(k, source, {"text/plain", 1000, std::nullopt}), "put");
  EXPECT_EQ(info.size, 1000);
  EXPECT_EQ(info.etag, in_quotes(md5_hex(data)));
  EXPECT_EQ(read_all(k), data);
}

TEST_F(S3rverTest, LargeOneShotStreamWithLengthIsStreamedAndStored) {
  const std::string k = key("streamed.bin");
  const std::string data = test_bytes(3 * kMiB + 5, 2);
  StringSource source{data, 4096};  // one-shot, small reads: the streamed UNSIGNED-PAYLOAD path
  auto info = must(h_.store->put(k, source,
                                 {"application/octet-stream",
                                  static_cast<std::int64_t>(data.size()), std::nullopt}),
                   "put");
  EXPECT_EQ(info.size, static_cast<std::int64_t>(data.size()));
  EXPECT_EQ(info.etag, in_quotes(md5_hex(data)));
  EXPECT_TRUE(read_all(k) == data);
  EXPECT_TRUE(read_all(k, core::ByteRange{kMiB - 10, kMiB + 10}) == data.substr(kMiB - 10, 21));
}

TEST_F(S3rverTest, UnknownLengthBodyIsSpooledAndStored) {
  const std::string k = key("spooled.bin");
  const std::string data = test_bytes(2 * kMiB + 7, 3);
  StringSource source{data};
  auto info = must(h_.store->put(k, source, {"video/mp4", std::nullopt, std::nullopt}), "put");
  EXPECT_EQ(info.size, static_cast<std::int64_t>(data.size()));
  EXPECT_TRUE(read_all(k) == data);
  auto head = must(h_.store->head(k), "head");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->size, static_cast<std::int64_t>(data.size()));
  EXPECT_EQ(head->content_type, "video/mp4");
}

TEST_F(S3rverTest, FileSourceIsHashedFirstAndStored) {
  const std::string k = key("from-file.bin");
  const std::string data = test_bytes(2 * kMiB + 3, 4);
  write_file(dir_ / "body.bin", data);
  auto file = must(support::FileSource::open(dir_ / "body.bin"), "open");
  auto info = must(h_.store->put(k, *file, {"image/jpeg", std::nullopt, std::nullopt}), "put");
  EXPECT_EQ(info.etag, in_quotes(md5_hex(data)));
  EXPECT_TRUE(read_all(k) == data);
}

TEST_F(S3rverTest, LargeStreamLongerThanDeclaredIsRefused) {
  const std::string k = key("too-long.bin");
  StringSource source{test_bytes(2 * kMiB + 1, 5)};
  EXPECT_TRUE(fails_with(h_.store->put(k, source,
                                       {"application/octet-stream",
                                        static_cast<std::int64_t>(2 * kMiB), std::nullopt}),
                         core::ErrorCode::kInvalidRequest));
  StringSource shorter{test_bytes(2 * kMiB - 1, 5)};
  EXPECT_TRUE(fails_with(h_.store->put(k, shorter,
                                       {"application/octet-stream",
                                        static_cast<std::int64_t>(2 * kMiB), std::nullopt}),
                         core::ErrorCode::kInvalidRequest));
}

TEST_F(S3rverTest, MultipartAssemblesPartsInNumberOrder) {
  const std::string k = key("multipart.mp4");
  const std::vector<std::string> data = {test_bytes(5 * kMiB, 11), test_bytes(5 * kMiB, 12),
                                         test_bytes(1234, 13)};
  const auto id =
      must(h_.store->create_multipart(k, {"video/mp4", std::nullopt, std::nullopt}), "create");
  ASSERT_FALSE(id.empty());
  std::vector<core::CompletedPart> parts(3);
  for (const int n : {3, 1, 2}) {  // uploaded out of order
    const auto& bytes = data[static_cast<std::size_t>(n - 1)];
    StringSource source{bytes};
    auto part = must(
        h_.store->upload_part(k, id, n, source, static_cast<std::int64_t>(bytes.size())), "part");
    EXPECT_EQ(part.part_number, n);
    EXPECT_EQ(part.etag, in_quotes(md5_hex(bytes)));
    EXPECT_EQ(part.size, static_cast<std::int64_t>(bytes.size()));
    parts[static_cast<std::size_t>(n - 1)] = {n, part.etag};
  }
  EXPECT_FALSE(must(h_.store->head(k), "head before complete").has_value())
      << "nothing is visible before complete";
  auto done = must(h_.store->complete_multipart(k, id, parts), "complete");
  EXPECT_EQ(done.size, static_cast<std::int64_t>(10 * kMiB + 1234));
  EXPECT_EQ(done.content_type, "video/mp4");
  EXPECT_FALSE(done.etag.empty());
  EXPECT_TRUE(read_all(k) == data[0] + data[1] + data[2]);
  // A range across the part boundary.
  EXPECT_TRUE(read_all(k, core::ByteRange{5 * kMiB - 3, 5 * kMiB + 2}) ==
              (data[0] + data[1]).substr(5 * kMiB - 3, 6));
}

TEST_F(S3rverTest, CompleteRefusesUnorderedPartListsWithoutARoundTrip) {
  const std::string k = key("unordered");
  EXPECT_TRUE(fails_with(h_.store->complete_multipart(k, "some-id", {{2, "\"a\""}, {1, "\"b\""}}),
                         core::ErrorCode::kInvalidPart));
  EXPECT_TRUE(fails_with(h_.store->complete_multipart(k, "some-id", {{1, "\"a\""}, {1, "\"a\""}}),
                         core::ErrorCode::kInvalidPart));
  EXPECT_TRUE(
      fails_with(h_.store->complete_multipart(k, "some-id", {}), core::ErrorCode::kInvalidPart));
}

TEST_F(S3rverTest, ListPartsAndAbortReportS3rversMethodNotAllowed) {
  // Canary for the conformance capabilities: if s3rver ever implements these, this test fails and
  // supports_list_parts / supports_abort should be switched on for it.
  if (!s3_target().is_s3rver) GTEST_SKIP() << "s3rver-specific";
  const std::string k = key("listed");
  const auto id = must(h_.store->create_multipart(k, {}), "create");
  auto listed = h_.store->list_parts(k, id);
  ASSERT_FALSE(listed);
  EXPECT_EQ(listed.error().code, core::ErrorCode::kStorageError);
  EXPECT_NE(listed.error().message.find("MethodNotAllowed"), std::string::npos);
  auto aborted = h_.store->abort_multipart(k, id);
  ASSERT_FALSE(aborted);
  EXPECT_NE(aborted.error().message.find("MethodNotAllowed"), std::string::npos);
}

TEST_F(S3rverTest, VirtualHostedAddressingReachesTheBucket) {
  if (!s3_target().is_s3rver) GTEST_SKIP() << "uses s3rver's --service-endpoint localhost";
  const std::string port = s3_target().endpoint.substr(s3_target().endpoint.rfind(':') + 1);
  S3Harness vhost{/*path_style=*/false, "http://s3.localhost:" + port};
  ASSERT_TRUE(vhost.store->requests().virtual_hosted());
  const std::string k = key("vhost object.txt");
  StringSource source{"virtual-hosted"};
  must(vhost.store->put(k, source, {"text/plain", std::nullopt, std::nullopt}), "put (vhost)");
  // Written through bucket.s3.localhost, read back path-style: the same bucket, the same key.
  EXPECT_EQ(read_all(k), "virtual-hosted");
  StringSink sink;
  must(vhost.store->get(k, sink), "get (vhost)");
  EXPECT_EQ(sink.bytes, "virtual-hosted");
}

TEST_F(S3rverTest, RemoveDeletesInBatches) {
  aws::S3StoreOptions options;
  options.bucket = s3_target().bucket;
  options.region = s3_target().region;
  options.endpoint = s3_target().endpoint;
  options.path_style = true;
  options.credentials = std::make_shared<aws::StaticCredentialsProvider>(s3_target().credentials);
  options.delete_batch = 3;  // 7 keys: three DeleteObjects requests
  auto store = must(aws::S3ObjectStore::create(options, h_.http, h_.clock), "create");
  std::vector<std::string> keys;
  for (int i = 0; i < 7; ++i) {
    keys.push_back(key("k" + std::to_string(i)));
    StringSource source{"x"};
    must(store->put(keys.back(), source, {}), "put");
  }
  keys.push_back(key("never-written"));
  must(store->remove(keys), "remove");
  for (const auto& k : keys) EXPECT_FALSE(must(store->head(k), "head").has_value()) << k;
}

// ------------------------------------------------------------------- presigned URLs with curl

struct CurlRun {
  int status = -1;
  std::string http_code;
  std::string headers;
};

CurlRun curl(const std::string& args, const std::filesystem::path& headers_file) {
  const auto run = run_capture("curl -sS -o /dev/null -D " + shell_quote(headers_file.string()) +
                               " -w '%{http_code}' " + args);
  CurlRun out;
  out.status = run.status;
  out.http_code = run.output;
  out.headers = read_text(headers_file);
  return out;
}

std::string header_args(const std::vector<std::pair<std::string, std::string>>& headers) {
  std::string out;
  for (const auto& [name, value] : headers) out += " -H " + shell_quote(name + ": " + value);
  return out;
}

TEST_F(S3rverTest, PresignedPutThenPresignedGetWithCurl) {
  const std::string k = key("Sala de Estar (1).jpg");
  const std::string data = test_bytes(200'000, 21);
  write_file(dir_ / "photo.jpg", data);

  core::PresignPut p;
  p.content_type = "image/jpeg";
  p.content_length = static_cast<std::int64_t>(data.size());
  p.checksum_sha256 = sha256_base64(data);
  auto put = must(h_.store->presign_put(k, p), "presign put");
  EXPECT_EQ(put.method, "PUT");
  EXPECT_NE(put.url.find(
                "X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost%3Bx-amz-checksum-sha256"),
            std::string::npos)
      << put.url;
  // The headers the browser must send, exactly: Content-Type, Content-Length, the checksum.
  std::map<std::string, std::string> want{{"Content-Type", "image/jpeg"},
                                          {"Content-Length", std::to_string(data.size())},
                                          {"x-amz-checksum-sha256", sha256_base64(data)}};
  const std::map<std::string, std::string> got(put.headers.begin(), put.headers.end());
  EXPECT_EQ(got, want);

  auto uploaded = curl("-X PUT --data-binary @" + shell_quote((dir_ / "photo.jpg").string()) +
                           header_args(put.headers) + " " + shell_quote(put.url),
                       dir_ / "put.headers");
  ASSERT_EQ(uploaded.status, 0) << uploaded.http_code;
  EXPECT_EQ(uploaded.http_code, "200") << uploaded.headers;

  auto head = must(h_.store->head(k), "head");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->size, static_cast<std::int64_t>(data.size()));
  EXPECT_EQ(head->content_type, "image/jpeg");
  EXPECT_EQ(head->etag, in_quotes(md5_hex(data)));

  core::PresignGet g;
  g.response_content_disposition = "attachment; filename=\"sala-de-estar-01.jpg\"";
  auto get = must(h_.store->presign_get(k, g), "presign get");
  EXPECT_TRUE(get.headers.empty());
  const auto out = dir_ / "downloaded.jpg";
  const auto downloaded =
      run_capture("curl -sS -D " + shell_quote((dir_ / "get.headers").string()) + " -o " +
                  shell_quote(out.string()) + " -w '%{http_code}' " + shell_quote(get.url));
  ASSERT_EQ(downloaded.status, 0) << downloaded.output;
  EXPECT_EQ(downloaded.output, "200");
  std::ifstream in{out, std::ios::binary};
  const std::string body{std::istreambuf_iterator<char>(in), {}};
  EXPECT_TRUE(body == data) << "bytes differ";
  // s3rver honours response-content-disposition on an authenticated (presigned) GET.
  const std::string headers = read_text(dir_ / "get.headers");
  EXPECT_NE(headers.find("Content-Disposition: attachment; filename=\"sala-de-estar-01.jpg\""),
            std::string::npos)
      << headers;
}

// HLS addresses a rung's one file by byte ranges through one presigned GET (no disposition): the
// Range header is not signed, so any range of the object can be read with the same URL, as S3
// documents for GetObject (Range request header; 206 Partial Content with Content-Range).
TEST_F(S3rverTest, PresignedGetServesByteRanges) {
  const std::string k = key("hls-720p.mp4");
  const std::string data = test_bytes(300'000, 41);
  write_file(dir_ / "rung.mp4", data);
  auto source = must(support::FileSource::open(dir_ / "rung.mp4"), "open");
  must(h_.store->put(k, *source, {"video/mp4", std::nullopt, std::nullopt}), "put");
  auto get = must(h_.store->presign_get(k, core::PresignGet{}), "presign get");
  EXPECT_EQ(get.url.find("response-content-disposition"), std::string::npos) << get.url;
  for (const auto& [first, last] : std::vector<std::pair<std::size_t, std::size_t>>{
           {0, 1211}, {1212, 150'000}, {150'001, data.size() - 1}}) {
    const auto out = dir_ / "range.bin";
    const auto ranged = run_capture(
        "curl -sS -D " + shell_quote((dir_ / "range.headers").string()) + " -o " +
        shell_quote(out.string()) + " -w '%{http_code}' -H " +
        shell_quote("Range: bytes=" + std::to_string(first) + "-" + std::to_string(last)) + " " +
        shell_quote(get.url));
    ASSERT_EQ(ranged.status, 0) << ranged.output;
    EXPECT_EQ(ranged.output, "206");
    EXPECT_EQ(read_text(out), data.substr(first, last - first + 1)) << first << "-" << last;
    EXPECT_NE(read_text(dir_ / "range.headers")
                  .find("bytes " + std::to_string(first) + "-" + std::to_string(last) + "/" +
                        std::to_string(data.size())),
              std::string::npos)
        << read_text(dir_ / "range.headers");
  }
}

TEST_F(S3rverTest, PresignedUploadPartWithCurlCompletesThroughTheAdapter) {
  const std::string k = key("browser-multipart.mp4");
  const std::vector<std::string> data = {test_bytes(5 * kMiB, 31), test_bytes(777, 32)};
  const auto id =
      must(h_.store->create_multipart(k, {"video/mp4", std::nullopt, std::nullopt}), "create");
  std::vector<core::CompletedPart> parts;
  for (int n = 1; n <= 2; ++n) {
    const auto& bytes = data[static_cast<std::size_t>(n - 1)];
    const auto file = dir_ / ("part" + std::to_string(n));
    write_file(file, bytes);
    core::PresignPart p;
    p.upload_id = id;
    p.part_number = n;
    p.content_length = static_cast<std::int64_t>(bytes.size());
    auto url = must(h_.store->presign_upload_part(k, p), "presign part");
    EXPECT_NE(url.url.find("partNumber=" + std::to_string(n)), std::string::npos);
    EXPECT_NE(url.url.find("uploadId=" + id), std::string::npos);
    auto sent = curl("-X PUT --data-binary @" + shell_quote(file.string()) +
                         header_args(url.headers) + " " + shell_quote(url.url),
                     dir_ / "part.headers");
    ASSERT_EQ(sent.http_code, "200") << sent.headers;
    // The ETag a browser reads from the response (CORS: ExposeHeaders ETag) completes the upload.
    const auto pos = sent.headers.find("ETag: ");
    ASSERT_NE(pos, std::string::npos) << sent.headers;
    std::string etag = sent.headers.substr(pos + 6, sent.headers.find('\r', pos) - pos - 6);
    EXPECT_EQ(etag, in_quotes(md5_hex(bytes)));
    parts.push_back({n, etag});
  }
  must(h_.store->complete_multipart(k, id, parts), "complete");
  EXPECT_TRUE(read_all(k) == data[0] + data[1]);
}

}  // namespace
}  // namespace toq::testing

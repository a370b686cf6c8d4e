// What the conformance suite cannot see from the port: the local store's files (one file per
// object, nothing left in .tmp after a failure), its key and upload-id hygiene, its presigned URLs,
// and the request handler driven directly (no HTTP) for the cases a real client cannot produce.

#include <fstream>

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "adapter/storage/content_disposition.hpp"
#include "adapter/storage/object_file.hpp"
#include "adapter/storage/storage_request_handler.hpp"
#include "conformance/object_store_conformance.hpp"
#include "storage/http_client.hpp"
#include "storage/storage_test_support.hpp"
#include "support/result_matchers.hpp"
#include "support/uri.hpp"

namespace toq::testing {
namespace {

using namespace std::chrono_literals;
using core::ErrorCode;
namespace fs = std::filesystem;

class LocalStore : public ::testing::Test {
 protected:
  core::Result<core::ObjectInfo> put(const std::string& key, std::string data,
                                     core::PutOptions options = {}) {
    StringSource source{std::move(data)};
    return store_->put(key, source, options);
  }
  std::string get(const std::string& key) {
    StringSink sink;
    must(store_->get(key, sink), "get");
    return sink.bytes;
  }

  TempDir dir_;
  ManualClock clock_{pinned_now()};
  std::unique_ptr<storage::LocalObjectStore> store_ =
      open_local_store(dir_ / "store", "http://media.example:8080", clock_, 1024);
};

// A source that fails half-way, like a client that disconnects.
class FailingSource final : public core::ByteSource {
 public:
  core::Result<std::size_t> read(std::span<std::byte> buf) override {
    if (calls_++ > 2) return core::fail(ErrorCode::kStoreUnavailable, "connection reset");
    std::fill_n(buf.data(), std::min<std::size_t>(buf.size(), 1000), std::byte{'x'});
    return std::min<std::size_t>(buf.size(), 1000);
  }

 private:
  int calls_ = 0;
};

TEST_F(LocalStore, ObjectIsOneFileWithHeaderAndBytes) {
  auto info = must(put("listings/1/a.jpg", "hello", {"image/jpeg", 5, sha256_base64("hello")}));
  const fs::path file = dir_ / "store" / "objects" / "listings" / "1" / "a.jpg";
  ASSERT_TRUE(fs::is_regular_file(file));
  EXPECT_EQ(fs::file_size(file), static_cast<std::uintmax_t>(storage::kHeaderSize) + 5);
  std::ifstream in{file, std::ios::binary};
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_TRUE(bytes.starts_with("toq-object 1\nsize 5\netag " + info.etag + "\n"));
  EXPECT_EQ(bytes.substr(static_cast<std::size_t>(storage::kHeaderSize)), "hello");
  EXPECT_EQ(info.last_modified, pinned_now());
  EXPECT_EQ(info.checksum_sha256, sha256_base64("hello")) << "always computed";
  EXPECT_TRUE(files_under(store_->temp_dir()).empty());
}

TEST_F(LocalStore, DamagedObjectFileIsStorageError) {
  must(put("k/damaged", "0123456789"));
  const fs::path file = dir_ / "store" / "objects" / "k" / "damaged";
  fs::resize_file(file, fs::file_size(file) - 1);  // truncated
  StringSink sink;
  EXPECT_TRUE(fails_with(store_->get("k/damaged", sink), ErrorCode::kStorageError));
  EXPECT_TRUE(fails_with(store_->head("k/damaged"), ErrorCode::kStorageError));
  {
    std::ofstream out{file, std::ios::binary | std::ios::trunc};
    out << "not a header";
  }
  EXPECT_TRUE(fails_with(store_->head("k/damaged"), ErrorCode::kStorageError));
}

TEST_F(LocalStore, FailuresLeaveNoTempFile) {
  EXPECT_TRUE(
      fails_with(put("k/1", "abc", {"text/plain", 4, std::nullopt}), ErrorCode::kInvalidRequest));
  EXPECT_TRUE(fails_with(put("k/2", "abc", {"text/plain", std::nullopt, sha256_base64("abd")}),
                         ErrorCode::kChecksumMismatch));
  FailingSource failing;
  EXPECT_TRUE(fails_with(store_->put("k/3", failing, {}), ErrorCode::kStoreUnavailable));
  {
    auto pending = must(store_->begin_put("k/4", {}));
    must(pending->write(std::as_bytes(std::span{std::string_view{"abandoned"}})));
    EXPECT_EQ(files_under(store_->temp_dir()).size(), 1U) << "the write in progress";
  }
  EXPECT_TRUE(files_under(store_->temp_dir()).empty());
  EXPECT_TRUE(files_under(dir_ / "store" / "objects").empty());
}

TEST_F(LocalStore, ReaderKeepsTheVersionItOpened) {
  must(put("k/v", "version one"));
  auto reader = must(store_->open_object("k/v"));
  must(put("k/v", "version two, longer"));
  StringSink sink;
  must(reader->copy_to(sink, 0, reader->info().size));
  EXPECT_EQ(sink.bytes, "version one");
  EXPECT_EQ(reader->info().etag, in_quotes(md5_hex("version one")));
  EXPECT_EQ(get("k/v"), "version two, longer");
}

// Without an MD5 ETag the body is hashed once: the ETag is the first 128 bits of the SHA-256 the
// object keeps, read back the same from the object's header.
TEST_F(LocalStore, APutWithoutAnMd5EtagTakesItFromTheSha256) {
  const std::string data = "an archive, hashed once";
  core::PutOptions options;
  options.md5_etag = false;
  const auto info = must(put("zip/a.zip", data, options));
  const std::string sha_hex = hex_of(digest_of(EVP_sha256(), data));
  EXPECT_EQ(info.etag, in_quotes(sha_hex.substr(0, 32)));
  EXPECT_NE(info.etag, in_quotes(md5_hex(data)));
  EXPECT_EQ(info.checksum_sha256, sha256_base64(data));
  auto reader = must(store_->open_object("zip/a.zip"));
  EXPECT_EQ(reader->info().etag, info.etag);
  EXPECT_EQ(get("zip/a.zip"), data);
  // The default stays S3's: the MD5 of the body.
  EXPECT_EQ(must(put("zip/b.zip", data)).etag, in_quotes(md5_hex(data)));
}

TEST_F(LocalStore, KeyUsedAsFolderOfAnotherConflicts) {
  must(put("a/b", "leaf"));
  EXPECT_TRUE(fails_with(put("a", "x"), ErrorCode::kInvalidRequest));
  EXPECT_TRUE(fails_with(put("a/b/c", "x"), ErrorCode::kInvalidRequest));
  EXPECT_FALSE(must(store_->head("a")).has_value()) << "a folder is no object";
  StringSink sink;
  EXPECT_TRUE(fails_with(store_->get("a", sink), ErrorCode::kObjectNotFound));
  must(store_->remove({"a"}), "removing a folder name is removing nothing");
  EXPECT_EQ(get("a/b"), "leaf");
  // Removing the leaf prunes the empty folders, and the name is free again.
  must(store_->remove({"a/b"}));
  EXPECT_FALSE(fs::exists(dir_ / "store" / "objects" / "a"));
  must(put("a", "now a file"));
  EXPECT_EQ(get("a"), "now a file");
  EXPECT_TRUE(
      fails_with(put(std::string(300, 'x'), "segment too long"), ErrorCode::kInvalidRequest));
}

TEST_F(LocalStore, StaleTempFilesAreRemovedOnOpen) {
  const fs::path tmp = store_->temp_dir();
  std::ofstream{tmp / "w-old"} << "crashed writer";
  std::ofstream{tmp / "w-young"} << "live writer";
  fs::last_write_time(tmp / "w-old", fs::file_time_type::clock::now() - 48h);
  auto reopened = open_local_store(dir_ / "store", "http://media.example:8080", clock_);
  EXPECT_FALSE(fs::exists(tmp / "w-old"));
  EXPECT_TRUE(fs::exists(tmp / "w-young"));
}

TEST_F(LocalStore, UploadIdsAreRandomAndCheckedBeforeTouchingFiles) {
  const auto a = must(store_->create_multipart("k/up", {}));
  const auto b = must(store_->create_multipart("k/up", {}));
  EXPECT_NE(a, b);
  EXPECT_EQ(a.size(), 32U);
  EXPECT_TRUE(storage::is_valid_upload_id(a));
  // A directory an attacker could aim at with "..": not reachable, it is not an id.
  fs::create_directories(dir_ / "store" / "victim");
  std::ofstream{dir_ / "store" / "victim" / "upload"} << "toq-upload 1\nkey k/up\n\n";
  for (const std::string& id :
       std::vector<std::string>{"../victim", "..", "a.b", std::string(129, 'a')}) {
    EXPECT_FALSE(storage::is_valid_upload_id(id)) << id;
    EXPECT_TRUE(fails_with(store_->list_parts("k/up", id), ErrorCode::kUploadNotFound)) << id;
    EXPECT_TRUE(fails_with(store_->abort_multipart("k/up", id), ErrorCode::kUploadNotFound)) << id;
  }
  EXPECT_TRUE(fs::exists(dir_ / "store" / "victim" / "upload"));
}

TEST_F(LocalStore, MultipartChecksumIsVerifiedOnComplete) {
  const std::string whole = test_bytes(1024, 1) + "tail";
  const auto id = must(store_->create_multipart(
      "k/checked", {"video/mp4", std::nullopt, sha256_base64("something else")}));
  StringSource p1{test_bytes(1024, 1)};
  StringSource p2{"tail"};
  const auto e1 = must(store_->upload_part("k/checked", id, 1, p1, 1024)).etag;
  const auto e2 = must(store_->upload_part("k/checked", id, 2, p2, std::nullopt)).etag;
  EXPECT_TRUE(fails_with(store_->complete_multipart("k/checked", id, {{1, e1}, {2, e2}}),
                         ErrorCode::kChecksumMismatch));
  EXPECT_FALSE(must(store_->head("k/checked")).has_value());
  EXPECT_EQ(must(store_->list_parts("k/checked", id)).size(), 2U) << "the upload stays open";
  EXPECT_TRUE(files_under(store_->temp_dir()).empty());

  const auto good = must(
      store_->create_multipart("k/checked", {"video/mp4", std::nullopt, sha256_base64(whole)}));
  StringSource q1{test_bytes(1024, 1)};
  StringSource q2{"tail"};
  must(store_->upload_part("k/checked", good, 1, q1, std::nullopt));
  must(store_->upload_part("k/checked", good, 2, q2, std::nullopt));
  auto info = must(store_->complete_multipart("k/checked", good, {{1, e1}, {2, e2}}));
  EXPECT_EQ(info.checksum_sha256, sha256_base64(whole));
  EXPECT_TRUE(files_under(store_->temp_dir()).empty());
  EXPECT_FALSE(fs::exists(dir_ / "store" / ".multipart" / good));
}

TEST_F(LocalStore, PartChecksumAndLengthAreVerified) {
  const auto id = must(store_->create_multipart("k/parts", {}));
  auto pending = must(store_->begin_part("k/parts", id, 1, 4, sha256_base64("abcd")));
  must(pending->write(std::as_bytes(std::span{std::string_view{"abce"}})));
  EXPECT_TRUE(fails_with(pending->commit(), ErrorCode::kChecksumMismatch));
  StringSource longer{"12345"};
  EXPECT_TRUE(
      fails_with(store_->upload_part("k/parts", id, 1, longer, 4), ErrorCode::kInvalidRequest));
  StringSource any{"x"};
  EXPECT_TRUE(fails_with(store_->upload_part("k/parts", id, 0, any, std::nullopt),
                         ErrorCode::kInvalidRequest));
  EXPECT_TRUE(fails_with(store_->upload_part("k/parts", id, 10001, any, std::nullopt),
                         ErrorCode::kInvalidRequest));
  EXPECT_TRUE(must(store_->list_parts("k/parts", id)).empty());
  EXPECT_TRUE(files_under(store_->temp_dir()).empty());
}

// ------------------------------------------------------------------------------ presigning

TEST_F(LocalStore, PresignedPutSignsTypeLengthAndChecksum) {
  core::PresignPut p{"image/jpeg", 5242880, sha256_base64("x"), 900s};
  auto r = must(store_->presign_put("listings/28/batches/51/raw/301", p));
  EXPECT_EQ(r.method, "PUT");
  EXPECT_TRUE(
      r.url.starts_with("http://media.example:8080/storage/listings/28/batches/51/raw/301?"))
      << r.url;
  const auto query = support::parse_query(r.url.substr(r.url.find('?') + 1));
  const auto param = [&](std::string_view name) {
    for (const auto& [n, v] : query) {
      if (n == name) return v;
    }
    return std::string{};
  };
  EXPECT_EQ(param("X-Amz-Algorithm"), "AWS4-HMAC-SHA256");
  EXPECT_EQ(param("X-Amz-Credential"), "TOQLOCALTESTKEY/20260115/local/s3/aws4_request");
  EXPECT_EQ(param("X-Amz-Date"), "20260115T100000Z");
  EXPECT_EQ(param("X-Amz-Expires"), "900");
  EXPECT_EQ(param("X-Amz-SignedHeaders"), "content-length;content-type;host;x-amz-checksum-sha256");
  EXPECT_EQ(r.expires_at, pinned_now() + 900s);
  // What the browser must set; Content-Length comes from the body.
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"Content-Type", "image/jpeg"}, {"x-amz-checksum-sha256", sha256_base64("x")}};
  EXPECT_EQ(r.headers, expected);
}

TEST_F(LocalStore, PresignEncodesKeysAndRefusesBadInput) {
  auto get = must(store_->presign_get("a b/ç+%", {}));
  EXPECT_TRUE(get.url.starts_with("http://media.example:8080/storage/a%20b/%C3%A7%2B%25?"))
      << get.url;
  EXPECT_TRUE(get.headers.empty());
  EXPECT_TRUE(fails_with(store_->presign_get("../x", {}), ErrorCode::kInvalidRequest));
  EXPECT_TRUE(fails_with(store_->presign_get("k", {"", 0s}), ErrorCode::kInvalidRequest));
  EXPECT_TRUE(fails_with(store_->presign_get("k", {"", 604801s}), ErrorCode::kInvalidRequest));
  EXPECT_TRUE(fails_with(store_->presign_get("k", {"attachment\r\nX: y", 60s}),
                         ErrorCode::kInvalidRequest));
  EXPECT_TRUE(
      fails_with(store_->presign_put("k", {"", 1, std::nullopt, 60s}), ErrorCode::kInvalidRequest));
  EXPECT_TRUE(fails_with(store_->presign_put("k", {"a/b", 1, "not base64", 60s}),
                         ErrorCode::kInvalidRequest));
  EXPECT_TRUE(fails_with(store_->presign_put("k", {"a/b", 6LL << 30, std::nullopt, 60s}),
                         ErrorCode::kInvalidRequest));
  EXPECT_TRUE(fails_with(store_->presign_upload_part("k", {"../x", 1, std::nullopt, 60s}),
                         ErrorCode::kInvalidRequest));
  EXPECT_TRUE(fails_with(store_->presign_upload_part("k", {"abc", 0, std::nullopt, 60s}),
                         ErrorCode::kInvalidRequest));
}

TEST(LocalStoreOptions, BaseUrlAndCredentialsAreChecked) {
  TempDir dir;
  core::SystemClock clock;
  const auto open_with = [&](std::string url, storage::AccessKey credentials = {
                                                  local_credentials().access_key_id,
                                                  local_credentials().secret_access_key}) {
    storage::LocalStoreOptions options;
    options.root = dir / "s";
    options.public_base_url = std::move(url);
    options.credentials = std::move(credentials);
    return storage::LocalObjectStore::open(options, clock);
  };
  for (const auto* url : {"", "ftp://host", "http://", "http://host/prefix", "host:8080"}) {
    EXPECT_TRUE(fails_with(open_with(url), ErrorCode::kConfigInvalid)) << url;
  }
  EXPECT_TRUE(fails_with(open_with("http://h", {"", "s"}), ErrorCode::kConfigInvalid));
  // The default port is left out, as browsers leave it out of Host.
  auto store = must(open_with("https://media.example:443/"));
  EXPECT_TRUE(
      must(store->presign_get("k", {})).url.starts_with("https://media.example/storage/k?"));
}

TEST(ContentDisposition, FallbackAndExtendedName) {
  EXPECT_EQ(storage::content_disposition("IMG_2907.jpg"), "attachment; filename=\"IMG_2907.jpg\"");
  EXPECT_EQ(storage::content_disposition("Sala de estar.jpg", true),
            "inline; filename=\"Sala de estar.jpg\"");
  EXPECT_EQ(
      storage::content_disposition("Coração \"1\".jpg"),
      "attachment; filename=\"Coracao _1_.jpg\"; filename*=UTF-8''Cora%C3%A7%C3%A3o%20%221%22.jpg");
  EXPECT_EQ(storage::content_disposition(std::string{"bad\xff"} + "\n"),
            "attachment; filename=\"bad__\"; filename*=UTF-8''bad%FF%0A");
}

// Invalid UTF-8 in a name: one '_' per byte in the fallback, the bytes as they are in filename*,
// and the valid characters around them unchanged.
TEST(ContentDisposition, InvalidUtf8BytesAreReplacedOneByOne) {
  struct Case {
    std::string name;
    std::string fallback;
    std::string extended;
  };
  const std::vector<Case> cases = {
      {"a\xC3", "a_", "a%C3"},                       // truncated at the end
      {"\xC3(b", "_(b", "%C3%28b"},                  // no continuation byte
      {"\x80\xBF.jpg", "__.jpg", "%80%BF.jpg"},      // stray continuation bytes
      {"\xC0\xAF", "__", "%C0%AF"},                  // overlong '/'
      {"\xE0\x80\xAF", "___", "%E0%80%AF"},          // overlong, three bytes
      {"\xED\xA0\x80", "___", "%ED%A0%80"},          // a UTF-16 surrogate
      {"\xF4\x90\x80\x80", "____", "%F4%90%80%80"},  // above U+10FFFF
      {"\xF5\xC3\xA9", "_e", "%F5%C3%A9"},           // invalid, then a valid 'é'
      {"\xC3\xA0\xFF\xF0\x9F\x8F\xA0", "a__", "%C3%A0%FF%F0%9F%8F%A0"},  // à, bad, 🏠
  };
  for (const auto& c : cases) {
    EXPECT_EQ(storage::content_disposition(c.name),
              "attachment; filename=\"" + c.fallback + "\"; filename*=UTF-8''" + c.extended)
        << c.extended;
  }
}

// ------------------------------------------------------------------- the handler, no HTTP

class Handler : public LocalStore {
 protected:
  static storage::StorageRequest request_for(const core::PresignedRequest& r) {
    return storage_request_for(r.method, r.url, r.headers, "media.example:8080");
  }
  storage::StorageRequestHandler handler_{*store_, {}};
};

// A source shorter than Content-Length: what a dropped connection looks like to the handler.
TEST_F(Handler, ShortBodyIsIncompleteBody) {
  auto url = must(store_->presign_put("k/short", {"text/plain", 10, std::nullopt, 60s}));
  auto req = request_for(url);
  req.headers.emplace_back("Content-Length", "10");
  StringSource body{"12345"};
  auto r = handler_.handle(req, body);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(xml_element(r.body, "Code"), "IncompleteBody");
  EXPECT_EQ(xml_element(r.body, "NumberBytesProvided"), "5");
  EXPECT_FALSE(must(store_->head("k/short")).has_value());
  EXPECT_TRUE(files_under(store_->temp_dir()).empty());
}

TEST_F(Handler, PutWithoutContentLengthIs411AndPrecheckHasNoSideEffect) {
  auto url = must(store_->presign_upload_part("k/p", {std::string(32, 'b'), 1, std::nullopt, 60s}));
  auto req = request_for(url);
  auto pre = handler_.precheck(req);
  ASSERT_TRUE(pre.has_value());
  EXPECT_EQ(pre->status, 411);
  EXPECT_EQ(xml_element(pre->body, "Code"), "MissingContentLength");
  EXPECT_TRUE(pre->close_connection);
  req.headers.emplace_back("Content-Length", "3");
  EXPECT_FALSE(handler_.precheck(req).has_value()) << "authorized: the body may come";
  StringSource body{"abc"};
  auto r = handler_.handle(req, body);
  EXPECT_EQ(r.status, 404) << "the upload does not exist";
  EXPECT_EQ(xml_element(r.body, "Code"), "NoSuchUpload");
  EXPECT_TRUE(files_under(store_->temp_dir()).empty());
}

TEST_F(Handler, OddRangesAreIgnored) {
  must(put("k/r", "0123456789", {"text/plain", std::nullopt, std::nullopt}));
  auto req = request_for(must(store_->presign_get("k/r", {})));
  for (const auto* range : {"bytes=5-3", "bytes=abc", "bytes=0-1,4-5", "items=0-1", "bytes=-"}) {
    auto with_range = req;
    with_range.headers.emplace_back("Range", range);
    StringSource none{""};
    auto r = handler_.handle(with_range, none);
    EXPECT_EQ(r.status, 200) << range;
    EXPECT_EQ(r.stream_length, 10) << range;
  }
  auto suffix = req;
  suffix.headers.emplace_back("Range", "bytes=-0");
  StringSource none{""};
  EXPECT_EQ(handler_.handle(suffix, none).status, 416);
}

TEST_F(Handler, UploadOverFiveGibIsEntityTooLarge) {
  auto url = must(store_->presign_upload_part("k/p", {std::string(32, 'b'), 1, std::nullopt, 60s}));
  auto req = request_for(url);
  req.headers.emplace_back("Content-Length", std::to_string((5LL << 30) + 1));
  auto pre = handler_.precheck(req);
  ASSERT_TRUE(pre.has_value());
  EXPECT_EQ(pre->status, 400);
  EXPECT_EQ(xml_element(pre->body, "Code"), "EntityTooLarge");
}

}  // namespace
}  // namespace toq::testing

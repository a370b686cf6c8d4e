#pragma once
// The object-store conformance suite: every adapter of core::ObjectStore (and MultipartStore when
// it has it) must pass it: the embedded local store and S3 (AWS, or s3rver in tests).
// An adapter instantiates it with a Factory type providing:
//   static constexpr const char* kName;
//   std::unique_ptr<ObjectStoreFixture> make();   // a store, its capabilities, a fresh key prefix
// See local_object_store_conformance_test.cpp.
//
// Capabilities exist because stand-ins differ from AWS: s3rver ignores checksums and answers
// ListParts / AbortMultipartUpload with 405, and S3 accepts keys the port refuses (the local store
// must refuse them: a key must never escape its root).

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include "core/port/object_store.hpp"

#include "support/result_matchers.hpp"

namespace toq::testing {

struct ObjectStoreCapabilities {
  bool verifies_checksums = true;                // a wrong checksum_sha256 fails the put
  bool reports_checksum = true;                  // head/get return the checksum a put was given
  bool refuses_invalid_keys = true;              // validate_object_key is applied (INVALID_REQUEST)
  bool enforces_min_part_size = true;            // ENTITY_TOO_SMALL for a small non-last part
  std::int64_t min_part_size = 5 * 1024 * 1024;  // the suite's non-last parts have this size
  bool supports_list_parts = true;
  bool supports_abort = true;
  bool completed_upload_is_gone = true;  // a second complete is UPLOAD_NOT_FOUND
};

// What Factory::make() returns: the ports under test (owned by a subclass) and their capabilities.
struct ObjectStoreFixture {
  virtual ~ObjectStoreFixture() = default;
  core::ObjectStore* store = nullptr;
  core::MultipartStore* multipart = nullptr;  // null: the multipart tests are skipped
  ObjectStoreCapabilities caps;
  std::string key_prefix;  // prepended to every key (a shared bucket needs one per run)
};

// ---------------------------------------------------------------------------- byte helpers

// Deterministic, position-dependent bytes: a misplaced or repeated block changes the content.
inline std::string test_bytes(std::size_t size, std::uint32_t seed) {
  std::string out(size, '\0');
  std::uint64_t x = 0x9E3779B97F4A7C15ULL * (seed + 1);
  for (std::size_t i = 0; i < size; ++i) {
    x ^= x << 13U;
    x ^= x >> 7U;
    x ^= x << 17U;
    out[i] = static_cast<char>(x >> 56U);
  }
  return out;
}

inline std::string digest_of(const EVP_MD* md, std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &length, md, nullptr) != 1) {
    throw std::runtime_error("EVP_Digest failed");
  }
  return std::string(reinterpret_cast<const char*>(out.data()), length);
}

inline std::string hex_of(std::string_view bytes) {
  static constexpr std::string_view kDigits = "0123456789abcdef";
  std::string out;
  for (const char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    out.push_back(kDigits[c >> 4U]);
    out.push_back(kDigits[c & 0x0FU]);
  }
  return out;
}

inline std::string base64_of(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

inline std::string md5_hex(std::string_view data) {
  return hex_of(digest_of(EVP_md5(), data));
}
inline std::string sha256_base64(std::string_view data) {
  return base64_of(digest_of(EVP_sha256(), data));
}
inline std::string in_quotes(std::string_view s) {
  return "\"" + std::string{s} + "\"";
}

// S3's multipart ETag: MD5 of the concatenated binary MD5s of the parts, "-<count>".
inline std::string multipart_etag(const std::vector<std::string>& parts) {
  std::string md5s;
  for (const auto& p : parts) md5s += digest_of(EVP_md5(), p);
  return in_quotes(md5_hex(md5s) + "-" + std::to_string(parts.size()));
}

// A ByteSource over a string, handing out at most `chunk` bytes per read.
class StringSource final : public core::ByteSource {
 public:
  explicit StringSource(std::string data, std::size_t chunk = 64 * 1024)
      : data_(std::move(data)), chunk_(chunk) {}
  core::Result<std::size_t> read(std::span<std::byte> buf) override {
    const std::size_t n = std::min({buf.size(), chunk_, data_.size() - pos_});
    std::memcpy(buf.data(), data_.data() + pos_, n);
    pos_ += n;
    return n;
  }

 private:
  std::string data_;
  std::size_t chunk_;
  std::size_t pos_ = 0;
};

class StringSink final : public core::ByteSink {
 public:
  core::Status write(std::span<const std::byte> data) override {
    bytes.append(reinterpret_cast<const char*>(data.data()), data.size());
    return {};
  }
  std::string bytes;
};

// ---------------------------------------------------------------------------------- suite

template <class Factory>
class ObjectStoreConformance : public ::testing::Test {
 protected:
  void SetUp() override {
    fixture_ = factory_.make();
    ASSERT_NE(fixture_->store, nullptr);
  }

  core::ObjectStore& store() { return *fixture_->store; }
  core::MultipartStore& mp() { return *fixture_->multipart; }
  const ObjectStoreCapabilities& caps() const { return fixture_->caps; }
  std::string key(std::string_view name) {
    return fixture_->key_prefix + "conformance/" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name() + "/" +
           std::string{name};
  }

  core::Result<core::ObjectInfo> put(const std::string& k, std::string data,
                                     core::PutOptions options = {}) {
    StringSource source{std::move(data)};
    return store().put(k, source, options);
  }
  core::Result<core::ObjectInfo> get(const std::string& k, std::string& out,
                                     std::optional<core::ByteRange> range = std::nullopt) {
    StringSink sink;
    auto info = store().get(k, sink, range);
    out = std::move(sink.bytes);
    return info;
  }
  std::string get_bytes(const std::string& k) {
    std::string out;
    must(get(k, out), "get");
    return out;
  }
  core::Result<core::PartInfo> part(const std::string& k, const std::string& upload_id, int n,
                                    std::string data) {
    StringSource source{data};
    return mp().upload_part(k, upload_id, n, source, static_cast<std::int64_t>(data.size()));
  }
  bool skip_without_multipart() { return fixture_->multipart == nullptr; }

  Factory factory_;
  std::unique_ptr<ObjectStoreFixture> fixture_;
};

TYPED_TEST_SUITE_P(ObjectStoreConformance);

// ------------------------------------------------------------------------ single objects

TYPED_TEST_P(ObjectStoreConformance, PutGetHeadRoundTrip) {
  const std::string k = this->key("photo.jpg");
  const std::string data = test_bytes(300'000, 1);
  core::PutOptions options;
  options.content_type = "image/jpeg";
  options.content_length = static_cast<std::int64_t>(data.size());
  options.checksum_sha256 = sha256_base64(data);
  auto put = must(this->put(k, data, options), "put");
  EXPECT_EQ(put.key, k);
  EXPECT_EQ(put.size, 300'000);
  EXPECT_EQ(put.etag, in_quotes(md5_hex(data)));
  EXPECT_EQ(put.content_type, "image/jpeg");

  std::string body;
  auto got = must(this->get(k, body), "get");
  EXPECT_TRUE(body == data) << "bytes differ";
  EXPECT_EQ(got.size, put.size);
  EXPECT_EQ(got.etag, put.etag);
  EXPECT_EQ(got.content_type, "image/jpeg");

  auto head = must(this->store().head(k), "head");
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->key, k);
  EXPECT_EQ(head->size, put.size);
  EXPECT_EQ(head->etag, put.etag);
  EXPECT_EQ(head->content_type, "image/jpeg");
  if (this->caps().reports_checksum) {
    EXPECT_EQ(head->checksum_sha256, sha256_base64(data));
    EXPECT_EQ(got.checksum_sha256, sha256_base64(data));
  }
}

TYPED_TEST_P(ObjectStoreConformance, EmptyObjectRoundTripAndHasNoRange) {
  const std::string k = this->key("empty");
  auto put = must(this->put(k, "", {"text/plain", 0, std::nullopt}), "put");
  EXPECT_EQ(put.size, 0);
  EXPECT_EQ(put.etag, in_quotes("d41d8cd98f00b204e9800998ecf8427e"));
  EXPECT_EQ(this->get_bytes(k), "");
  std::string body;
  EXPECT_TRUE(
      fails_with(this->get(k, body, core::ByteRange{0, 0}), core::ErrorCode::kInvalidRange));
}

TYPED_TEST_P(ObjectStoreConformance, OverwriteReplacesTheObject) {
  const std::string k = this->key("obj");
  must(this->put(k, "first version", {"text/plain", std::nullopt, std::nullopt}), "put 1");
  auto second =
      must(this->put(k, "second", {"application/json", std::nullopt, std::nullopt}), "put 2");
  EXPECT_EQ(this->get_bytes(k), "second");
  auto head = must(this->store().head(k), "head");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->size, 6);
  EXPECT_EQ(head->etag, second.etag);
  EXPECT_EQ(head->content_type, "application/json");
}

// A put without content_length tells the caller the SHA-256 of what was stored (the ZIP writer
// relies on it instead of hashing the archive itself); without an MD5 ETag asked for, the ETag is
// still the same on every read.
TYPED_TEST_P(ObjectStoreConformance, PutWithoutALengthReturnsTheSha256OfTheBody) {
  const std::string k = this->key("hashed.zip");
  const std::string data = test_bytes(200'000, 7);
  core::PutOptions options;
  options.content_type = "application/zip";
  options.md5_etag = false;
  auto put = must(this->put(k, data, options), "put");
  EXPECT_EQ(put.size, 200'000);
  EXPECT_EQ(put.checksum_sha256, sha256_base64(data));
  EXPECT_FALSE(put.etag.empty());
  std::string body;
  auto got = must(this->get(k, body), "get");
  EXPECT_TRUE(body == data) << "bytes differ";
  EXPECT_EQ(got.etag, put.etag);
  auto head = must(this->store().head(k), "head");
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->etag, put.etag);
}

TYPED_TEST_P(ObjectStoreConformance, MissingKeyIsNotFoundOnGetAndNulloptOnHead) {
  const std::string k = this->key("never-written");
  std::string body;
  EXPECT_TRUE(fails_with(this->get(k, body), core::ErrorCode::kObjectNotFound));
  auto head = must(this->store().head(k), "head");
  EXPECT_FALSE(head.has_value());
}

TYPED_TEST_P(ObjectStoreConformance, RangeReads) {
  const std::string k = this->key("ranged");
  const std::string data = test_bytes(10'000, 2);
  must(this->put(k, data), "put");
  std::string body;
  auto info = must(this->get(k, body, core::ByteRange{100, 199}), "first-last");
  EXPECT_EQ(body, data.substr(100, 100));
  EXPECT_EQ(info.size, 10'000) << "size is the whole object's";
  must(this->get(k, body, core::ByteRange{9'990, std::nullopt}), "open end");
  EXPECT_EQ(body, data.substr(9'990));
  must(this->get(k, body, core::ByteRange{9'000, 20'000}), "last past the end");
  EXPECT_EQ(body, data.substr(9'000));
  must(this->get(k, body, core::ByteRange{0, 0}), "one byte");
  EXPECT_EQ(body, data.substr(0, 1));
  EXPECT_TRUE(fails_with(this->get(k, body, core::ByteRange{10'000, std::nullopt}),
                         core::ErrorCode::kInvalidRange));
  EXPECT_TRUE(fails_with(this->get(k, body, core::ByteRange{20'000, 30'000}),
                         core::ErrorCode::kInvalidRange));
}

TYPED_TEST_P(ObjectStoreConformance, RemoveDeletesAndIgnoresMissingKeys) {
  const std::string a = this->key("a");
  const std::string b = this->key("b");
  must(this->put(a, "A"), "put a");
  must(this->put(b, "B"), "put b");
  must(this->store().remove({a, this->key("missing")}), "remove");
  EXPECT_FALSE(must(this->store().head(a), "head a").has_value());
  EXPECT_TRUE(must(this->store().head(b), "head b").has_value());
  must(this->store().remove({a}), "remove again");
  must(this->store().remove({}), "remove nothing");
}

TYPED_TEST_P(ObjectStoreConformance, ContentLengthMismatchStoresNothing) {
  const std::string k = this->key("sized");
  const std::string fresh = this->key("fresh");
  must(this->put(k, "old bytes"), "put old");
  for (const std::int64_t declared : {9, 11}) {
    core::PutOptions options;
    options.content_length = declared;
    EXPECT_TRUE(fails_with(this->put(k, "0123456789", options), core::ErrorCode::kInvalidRequest))
        << "declared " << declared;
    EXPECT_TRUE(
        fails_with(this->put(fresh, "0123456789", options), core::ErrorCode::kInvalidRequest));
  }
  EXPECT_EQ(this->get_bytes(k), "old bytes") << "a failed put must not touch the old object";
  EXPECT_FALSE(must(this->store().head(fresh), "head").has_value());
}

TYPED_TEST_P(ObjectStoreConformance, ChecksumMismatchStoresNothing) {
  if (!this->caps().verifies_checksums) GTEST_SKIP() << "this store does not verify checksums";
  const std::string k = this->key("checked");
  const std::string fresh = this->key("fresh");
  must(this->put(k, "old bytes"), "put old");
  core::PutOptions options;
  options.checksum_sha256 = sha256_base64("something else");
  EXPECT_TRUE(fails_with(this->put(k, "new bytes", options), core::ErrorCode::kChecksumMismatch));
  EXPECT_TRUE(
      fails_with(this->put(fresh, "new bytes", options), core::ErrorCode::kChecksumMismatch));
  EXPECT_EQ(this->get_bytes(k), "old bytes");
  EXPECT_FALSE(must(this->store().head(fresh), "head").has_value());
  options.checksum_sha256 = sha256_base64("new bytes");
  must(this->put(fresh, "new bytes", options), "put with the right checksum");
  EXPECT_EQ(this->get_bytes(fresh), "new bytes");
}

TYPED_TEST_P(ObjectStoreConformance, InvalidKeysAreRefused) {
  if (!this->caps().refuses_invalid_keys) GTEST_SKIP() << "this store accepts any S3 key";
  const std::vector<std::string> bad = {"",
                                        "/absolute",
                                        "a/../../escape",
                                        "a/./b",
                                        "..",
                                        "a//b",
                                        "trailing/",
                                        std::string("nul\0byte", 8),
                                        "new\nline",
                                        std::string(1025, 'k')};
  for (const auto& k : bad) {
    std::string body;
    EXPECT_TRUE(fails_with(this->put(k, "x"), core::ErrorCode::kInvalidRequest)) << k;
    EXPECT_TRUE(fails_with(this->get(k, body), core::ErrorCode::kInvalidRequest)) << k;
    EXPECT_TRUE(fails_with(this->store().head(k), core::ErrorCode::kInvalidRequest)) << k;
    EXPECT_TRUE(fails_with(this->store().remove({k}), core::ErrorCode::kInvalidRequest)) << k;
    if (this->fixture_->multipart != nullptr) {
      EXPECT_TRUE(fails_with(this->mp().create_multipart(k, {}), core::ErrorCode::kInvalidRequest))
          << k;
    }
  }
  // Unusual but valid keys work.
  const std::string odd = this->key("çãé ü/with spaces+plus%percent/.hidden/a..b");
  must(this->put(odd, "odd"), "put odd key");
  EXPECT_EQ(this->get_bytes(odd), "odd");
}

// ------------------------------------------------------------------------------ multipart

TYPED_TEST_P(ObjectStoreConformance, MultipartThreePartsAssembleInOrder) {
  if (this->skip_without_multipart()) GTEST_SKIP() << "no multipart";
  const std::string k = this->key("video.mp4");
  const auto min = static_cast<std::size_t>(this->caps().min_part_size);
  const std::vector<std::string> data = {test_bytes(min, 11), test_bytes(min, 12),
                                         test_bytes(1234, 13)};
  const auto id =
      must(this->mp().create_multipart(k, {"video/mp4", std::nullopt, std::nullopt}), "create");
  EXPECT_FALSE(id.empty());
  std::vector<core::CompletedPart> parts;
  for (int n = 1; n <= 3; ++n) {
    auto info = must(this->part(k, id, n, data[static_cast<std::size_t>(n - 1)]), "part");
    EXPECT_EQ(info.part_number, n);
    EXPECT_EQ(info.etag, in_quotes(md5_hex(data[static_cast<std::size_t>(n - 1)])));
    EXPECT_EQ(info.size, static_cast<std::int64_t>(data[static_cast<std::size_t>(n - 1)].size()));
    parts.push_back({n, info.etag});
  }
  EXPECT_FALSE(must(this->store().head(k), "head before complete").has_value())
      << "nothing is visible before complete";
  auto done = must(this->mp().complete_multipart(k, id, parts), "complete");
  EXPECT_EQ(done.etag, multipart_etag(data));
  EXPECT_TRUE(done.etag.ends_with("-3\""));
  EXPECT_EQ(done.size, static_cast<std::int64_t>(2 * min + 1234));
  EXPECT_TRUE(this->get_bytes(k) == data[0] + data[1] + data[2]) << "bytes differ";
  auto head = must(this->store().head(k), "head");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->etag, done.etag);
  EXPECT_EQ(head->content_type, "video/mp4");
  EXPECT_EQ(head->size, done.size);
}

TYPED_TEST_P(ObjectStoreConformance, MultipartPartOverwriteKeepsTheLatest) {
  if (this->skip_without_multipart()) GTEST_SKIP() << "no multipart";
  const std::string k = this->key("overwritten");
  const auto min = static_cast<std::size_t>(this->caps().min_part_size);
  const auto id = must(this->mp().create_multipart(k, {}), "create");
  const auto first = must(this->part(k, id, 1, test_bytes(min, 21)), "part 1");
  const auto again = must(this->part(k, id, 1, test_bytes(min, 22)), "part 1 again");
  EXPECT_NE(first.etag, again.etag);
  const auto last = must(this->part(k, id, 2, "tail"), "part 2");
  // The replaced part's ETag no longer completes the upload.
  EXPECT_TRUE(fails_with(this->mp().complete_multipart(k, id, {{1, first.etag}, {2, last.etag}}),
                         core::ErrorCode::kInvalidPart));
  must(this->mp().complete_multipart(k, id, {{1, again.etag}, {2, last.etag}}), "complete");
  EXPECT_TRUE(this->get_bytes(k) == test_bytes(min, 22) + "tail");
}

TYPED_TEST_P(ObjectStoreConformance, MultipartListPartsIsAscending) {
  if (this->skip_without_multipart()) GTEST_SKIP() << "no multipart";
  if (!this->caps().supports_list_parts) GTEST_SKIP() << "no ListParts";
  const std::string k = this->key("listed");
  const auto id = must(this->mp().create_multipart(k, {}), "create");
  EXPECT_TRUE(must(this->mp().list_parts(k, id), "list empty").empty());
  for (const int n : {3, 1, 2})
    must(this->part(k, id, n,
                    test_bytes(100U * static_cast<unsigned>(n), 30U + static_cast<unsigned>(n))),
         "part");
  const auto parts = must(this->mp().list_parts(k, id), "list");
  ASSERT_EQ(parts.size(), 3U);
  for (int n = 1; n <= 3; ++n) {
    const auto& p = parts[static_cast<std::size_t>(n - 1)];
    EXPECT_EQ(p.part_number, n);
    EXPECT_EQ(p.size, 100 * n);
    EXPECT_EQ(p.etag, in_quotes(md5_hex(test_bytes(100U * static_cast<unsigned>(n),
                                                   30U + static_cast<unsigned>(n)))));
  }
}

TYPED_TEST_P(ObjectStoreConformance, MultipartWrongEtagIsInvalidPartAndKeepsTheUpload) {
  if (this->skip_without_multipart()) GTEST_SKIP() << "no multipart";
  const std::string k = this->key("wrong-etag");
  const auto id = must(this->mp().create_multipart(k, {}), "create");
  const auto p1 = must(this->part(k, id, 1, "only part"), "part");
  EXPECT_TRUE(
      fails_with(this->mp().complete_multipart(k, id, {{1, in_quotes(md5_hex("something else"))}}),
                 core::ErrorCode::kInvalidPart));
  EXPECT_FALSE(must(this->store().head(k), "head").has_value());
  // Unquoted ETags are accepted too.
  auto done =
      must(this->mp().complete_multipart(k, id, {{1, p1.etag.substr(1, p1.etag.size() - 2)}}),
           "complete");
  EXPECT_EQ(done.etag, multipart_etag({"only part"}));
  EXPECT_EQ(this->get_bytes(k), "only part");
}

TYPED_TEST_P(ObjectStoreConformance, MultipartMissingOrUnorderedPartsAreInvalidPart) {
  if (this->skip_without_multipart()) GTEST_SKIP() << "no multipart";
  const std::string k = this->key("missing-part");
  const auto min = static_cast<std::size_t>(this->caps().min_part_size);
  const auto id = must(this->mp().create_multipart(k, {}), "create");
  const auto p1 = must(this->part(k, id, 1, test_bytes(min, 41)), "part 1");
  const auto p2 = must(this->part(k, id, 2, test_bytes(min, 42)), "part 2");
  EXPECT_TRUE(
      fails_with(this->mp().complete_multipart(k, id, {{1, p1.etag}, {2, p2.etag}, {3, p2.etag}}),
                 core::ErrorCode::kInvalidPart))
      << "part 3 was never uploaded";
  EXPECT_TRUE(fails_with(this->mp().complete_multipart(k, id, {{2, p2.etag}, {1, p1.etag}}),
                         core::ErrorCode::kInvalidPart))
      << "parts out of order";
  EXPECT_TRUE(fails_with(this->mp().complete_multipart(k, id, {{1, p1.etag}, {1, p1.etag}}),
                         core::ErrorCode::kInvalidPart))
      << "a part listed twice";
  EXPECT_FALSE(must(this->store().head(k), "head").has_value());
  // A subset of the uploaded parts (S3 allows skipping numbers) completes.
  must(this->mp().complete_multipart(k, id, {{2, p2.etag}}), "complete with part 2 only");
  EXPECT_TRUE(this->get_bytes(k) == test_bytes(min, 42));
}

TYPED_TEST_P(ObjectStoreConformance, MultipartSmallNonLastPartIsEntityTooSmall) {
  if (this->skip_without_multipart()) GTEST_SKIP() << "no multipart";
  if (!this->caps().enforces_min_part_size) GTEST_SKIP() << "minimum part size not enforced";
  const std::string k = this->key("small-part");
  const auto min = static_cast<std::size_t>(this->caps().min_part_size);
  const auto id = must(this->mp().create_multipart(k, {}), "create");
  const auto p1 = must(this->part(k, id, 1, test_bytes(min - 1, 51)), "part 1");
  const auto p2 = must(this->part(k, id, 2, test_bytes(10, 52)), "part 2");
  EXPECT_TRUE(fails_with(this->mp().complete_multipart(k, id, {{1, p1.etag}, {2, p2.etag}}),
                         core::ErrorCode::kEntityTooSmall));
  EXPECT_FALSE(must(this->store().head(k), "head").has_value());
  // A small part is fine as the last (here: only) one.
  must(this->mp().complete_multipart(k, id, {{1, p1.etag}}), "complete with one small part");
}

TYPED_TEST_P(ObjectStoreConformance, MultipartAbortThenCompleteIsUploadNotFound) {
  if (this->skip_without_multipart()) GTEST_SKIP() << "no multipart";
  if (!this->caps().supports_abort) GTEST_SKIP() << "no AbortMultipartUpload";
  const std::string k = this->key("aborted");
  const auto id = must(this->mp().create_multipart(k, {}), "create");
  const auto p1 = must(this->part(k, id, 1, "data"), "part");
  must(this->mp().abort_multipart(k, id), "abort");
  EXPECT_TRUE(fails_with(this->mp().complete_multipart(k, id, {{1, p1.etag}}),
                         core::ErrorCode::kUploadNotFound));
  EXPECT_TRUE(fails_with(this->part(k, id, 2, "late"), core::ErrorCode::kUploadNotFound));
  EXPECT_TRUE(fails_with(this->mp().abort_multipart(k, id), core::ErrorCode::kUploadNotFound));
  EXPECT_FALSE(must(this->store().head(k), "head").has_value());
}

TYPED_TEST_P(ObjectStoreConformance, MultipartCompletedUploadIsGone) {
  if (this->skip_without_multipart()) GTEST_SKIP() << "no multipart";
  if (!this->caps().completed_upload_is_gone) GTEST_SKIP() << "complete is repeatable here";
  const std::string k = this->key("completed");
  const auto id = must(this->mp().create_multipart(k, {}), "create");
  const auto p1 = must(this->part(k, id, 1, "data"), "part");
  must(this->mp().complete_multipart(k, id, {{1, p1.etag}}), "complete");
  EXPECT_TRUE(fails_with(this->mp().complete_multipart(k, id, {{1, p1.etag}}),
                         core::ErrorCode::kUploadNotFound));
  EXPECT_TRUE(fails_with(this->part(k, id, 1, "again"), core::ErrorCode::kUploadNotFound));
  EXPECT_EQ(this->get_bytes(k), "data");
}

TYPED_TEST_P(ObjectStoreConformance, MultipartUnknownUploadIdIsUploadNotFound) {
  if (this->skip_without_multipart()) GTEST_SKIP() << "no multipart";
  const std::string k = this->key("unknown-upload");
  const std::string other = this->key("other-key");
  const auto id = must(this->mp().create_multipart(k, {}), "create");
  for (const std::string bogus : {"0123456789abcdef0123456789abcdef", "../../objects", "a/b", ""}) {
    EXPECT_TRUE(fails_with(this->part(k, bogus, 1, "x"), core::ErrorCode::kUploadNotFound))
        << bogus;
    EXPECT_TRUE(fails_with(this->mp().complete_multipart(k, bogus, {{1, "\"x\""}}),
                           core::ErrorCode::kUploadNotFound))
        << bogus;
    if (this->caps().supports_list_parts) {
      EXPECT_TRUE(fails_with(this->mp().list_parts(k, bogus), core::ErrorCode::kUploadNotFound));
    }
    if (this->caps().supports_abort) {
      EXPECT_TRUE(
          fails_with(this->mp().abort_multipart(k, bogus), core::ErrorCode::kUploadNotFound));
    }
  }
  // An upload id belongs to its key.
  EXPECT_TRUE(fails_with(this->part(other, id, 1, "x"), core::ErrorCode::kUploadNotFound));
}

// ---------------------------------------------------------------------------- concurrency

// Writers keep replacing one key with objects made of a single repeated byte (a different byte
// each time); readers must always get a whole object: one byte value throughout, the full size,
// and the ETag of exactly those bytes.
TYPED_TEST_P(ObjectStoreConformance, ConcurrentPutsNeverExposeAMix) {
  const std::string k = this->key("contended");
  constexpr std::size_t kSize = 256 * 1024;
  must(this->put(k, std::string(kSize, 'A')), "first put");
  std::atomic<bool> done{false};
  std::atomic<int> reads{0};
  std::atomic<int> bad{0};
  std::vector<std::string> problems(4);

  std::vector<std::thread> threads;
  for (int w = 0; w < 2; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; i < 12; ++i) {
        const char letter = static_cast<char>('B' + (w * 12 + i) % 24);
        // Small chunks widen the window in which a torn write would be visible.
        StringSource source{std::string(kSize, letter), 4096};
        if (!this->store().put(k, source, {})) ++bad;
      }
    });
  }
  for (int r = 0; r < 2; ++r) {
    threads.emplace_back([&, r] {
      while (!done.load()) {
        StringSink sink;
        auto info = this->store().get(k, sink);
        if (!info) {
          ++bad;
          problems[static_cast<std::size_t>(r)] = info.error().message;
          continue;
        }
        ++reads;
        const std::string& b = sink.bytes;
        const bool uniform =
            b.size() == kSize && std::ranges::all_of(b, [&](char c) { return c == b[0]; });
        if (!uniform || info->size != static_cast<std::int64_t>(kSize) ||
            info->etag != in_quotes(md5_hex(b))) {
          ++bad;
          problems[static_cast<std::size_t>(r)] = "torn read";
        }
      }
    });
  }
  threads[0].join();
  threads[1].join();
  done = true;
  threads[2].join();
  threads[3].join();
  EXPECT_EQ(bad.load(), 0) << problems[0] << " / " << problems[1];
  EXPECT_GT(reads.load(), 0);
}

REGISTER_TYPED_TEST_SUITE_P(
    ObjectStoreConformance, PutGetHeadRoundTrip, EmptyObjectRoundTripAndHasNoRange,
    OverwriteReplacesTheObject, PutWithoutALengthReturnsTheSha256OfTheBody,
    MissingKeyIsNotFoundOnGetAndNulloptOnHead, RangeReads, RemoveDeletesAndIgnoresMissingKeys,
    ContentLengthMismatchStoresNothing, ChecksumMismatchStoresNothing, InvalidKeysAreRefused,
    MultipartThreePartsAssembleInOrder, MultipartPartOverwriteKeepsTheLatest,
    MultipartListPartsIsAscending, MultipartWrongEtagIsInvalidPartAndKeepsTheUpload,
    MultipartMissingOrUnorderedPartsAreInvalidPart, MultipartSmallNonLastPartIsEntityTooSmall,
    MultipartAbortThenCompleteIsUploadNotFound, MultipartCompletedUploadIsGone,
    MultipartUnknownUploadIdIsUploadNotFound, ConcurrentPutsNeverExposeAMix);

}  // namespace toq::testing

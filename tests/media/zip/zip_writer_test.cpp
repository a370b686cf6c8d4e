// write_zip on the real embedded store, both ways (multipart and one streamed put): the archive
// is read back out of the store and checked by tools that share no code with the writer
// (Python's zipfile, Info-ZIP's unzip, coreutils' sha256sum), and every failure leaves nothing at
// the key and no upload pending.

#include "adapter/media/zip/zip_writer.hpp"

#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "adapter/media/zip/entry_names.hpp"
#include "media/zip/zip_test_support.hpp"
#include "storage/storage_test_support.hpp"
#include "support/result_matchers.hpp"
#include "support/temp_dir.hpp"

namespace toq::media {
namespace {

using testing::must;
using testing::RecordingMultipart;
using namespace std::chrono_literals;

constexpr std::int64_t kPart = 64 * 1024;  // small parts, so small archives still span several
const std::string kZipKey = "listings/1/batches/1/out/1/archive.zip";

std::string random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 rng{seed};
  std::string out(n, '\0');
  for (auto& c : out) c = static_cast<char>(rng() & 0xFFU);
  return out;
}

class ByteStringSource final : public core::ByteSource {
 public:
  explicit ByteStringSource(const std::string& s) : s_(s) {}
  core::Result<std::size_t> read(std::span<std::byte> buf) override {
    const std::size_t n = std::min(buf.size(), s_.size() - pos_);
    std::memcpy(buf.data(), s_.data() + pos_, n);
    pos_ += n;
    return n;
  }

 private:
  const std::string& s_;
  std::size_t pos_ = 0;
};

struct Raw {
  std::string key;
  std::string name;
  std::string bytes;
};

enum class Mode : unsigned char { kMultipart, kSinglePut };

void PrintTo(Mode mode, std::ostream* os) {
  *os << (mode == Mode::kMultipart ? "multipart" : "single put");
}

std::string mode_name(const ::testing::TestParamInfo<Mode>& info) {
  return info.param == Mode::kMultipart ? "Multipart" : "SinglePut";
}

class ZipWriterTest : public ::testing::TestWithParam<Mode> {
 protected:
  ZipWriterTest()
      : store_(testing::open_local_store(dir_ / "store", "http://127.0.0.1:9", clock_, kPart)),
        recording_(*store_) {
    // Raw uploads as the pipeline finds them, with names as entry_name/EntryNamer make them.
    EntryNamer namer;
    const std::vector<std::pair<std::string, std::size_t>> files = {
        {entry_name("fotos", 1, "Sala de Estar", "jpg"), 300 * 1024 + 7},  // several parts
        {entry_name("fotos", 2, "Área de Serviço", "jpg"), 70 * 1024},     // UTF-8 name
        {entry_name("fotos", 3, "", "jpg"), 1},
        {entry_name("videos", 1, "Tour", "mp4"), 0},  // empty entry
        {namer.unique("projeto/01-planta.pdf"), 5000},
    };
    unsigned seed = 1;
    for (const auto& [name, size] : files) {
      Raw raw{"listings/1/batches/1/raw/" + std::to_string(seed), namer.unique(name),
              random_bytes(size, seed)};
      ByteStringSource source{raw.bytes};
      must(store_->put(raw.key, source, {"application/octet-stream", std::nullopt, std::nullopt}));
      raws_.push_back(std::move(raw));
      ++seed;
    }
  }

  core::MultipartStore* multipart() {
    return GetParam() == Mode::kMultipart ? &recording_ : nullptr;
  }

  std::vector<ZipInput> inputs() {
    std::vector<ZipInput> out;
    for (const auto& raw : raws_) {
      out.push_back(
          store_input(*store_, raw.key, raw.name, static_cast<std::int64_t>(raw.bytes.size())));
    }
    return out;
  }

  ZipOptions options() const {
    ZipOptions o;
    o.part_size = kPart;
    return o;
  }

  // Nothing at `key`, no upload left open, no temp file left behind.
  void expect_nothing_left(const std::string& key) {
    EXPECT_FALSE(must(store_->head(key)).has_value()) << "a partial archive is visible";
    for (const auto& id : recording_.created) {
      EXPECT_TRUE(
          testing::fails_with(store_->list_parts(key, id), core::ErrorCode::kUploadNotFound))
          << "upload " << id << " is still pending";
    }
    EXPECT_TRUE(testing::files_under(dir_ / "store" / ".multipart").empty());
    EXPECT_TRUE(testing::files_under(dir_ / "store" / ".tmp").empty());
  }

  testing::TempDir dir_;
  core::SystemClock clock_;
  std::unique_ptr<storage::LocalObjectStore> store_;
  RecordingMultipart recording_;
  std::vector<Raw> raws_;
};

TEST_P(ZipWriterTest, ArchivePassesUnzipAndZipfileAndMatchesTheInputs) {
  const auto result = must(write_zip(*store_, multipart(), kZipKey, inputs(), options()));
  EXPECT_EQ(result.entries, static_cast<std::int64_t>(raws_.size()));
  EXPECT_EQ(result.object.key, kZipKey);
  EXPECT_EQ(result.object.size, result.bytes);
  EXPECT_EQ(result.object.content_type, "application/zip");
  ASSERT_EQ(result.sha256_hex.size(), 64U);
  if (GetParam() == Mode::kMultipart) {
    ASSERT_EQ(recording_.created.size(), 1U);
    EXPECT_GE(recording_.parts_uploaded, 6);  // > 384 KiB in 64 KiB parts
    EXPECT_NE(result.object.etag.find('-'), std::string::npos) << "not a multipart object";
    EXPECT_EQ(recording_.aborts, 0);
  } else {
    // One streamed put: the store's SHA-256 is the archive's, and no MD5 pass made the ETag.
    EXPECT_EQ(result.object.etag, "\"" + result.sha256_hex.substr(0, 32) + "\"");
  }

  const auto zip = dir_ / "archive.zip";
  const auto exported = testing::export_object(*store_, kZipKey, zip);
  EXPECT_EQ(exported.bytes, result.bytes);
  EXPECT_EQ(exported.sha256_hex, result.sha256_hex);
  EXPECT_EQ(testing::sha256sum(zip), result.sha256_hex);

  const auto unzip = testing::unzip_test(zip);
  EXPECT_EQ(unzip.status, 0) << unzip.output;

  const auto report = testing::python_zip_report(zip);
  EXPECT_TRUE(report.at("testzip").is_null()) << report.dump();
  EXPECT_FALSE(report.at("zip64_end").get<bool>()) << "ZIP64 where none is needed";
  const auto& entries = report.at("entries");
  ASSERT_EQ(entries.size(), raws_.size()) << report.dump();
  for (std::size_t i = 0; i < raws_.size(); ++i) {
    const auto& e = entries[i];
    const auto& raw = raws_[i];
    EXPECT_EQ(e.at("name").get<std::string>(), raw.name);
    EXPECT_EQ(e.at("size").get<std::int64_t>(), static_cast<std::int64_t>(raw.bytes.size()));
    EXPECT_EQ(e.at("compress_size").get<std::int64_t>(),
              static_cast<std::int64_t>(raw.bytes.size()));
    EXPECT_EQ(e.at("compress_type").get<int>(), 0) << "not stored";
    EXPECT_EQ(e.at("sha256").get<std::string>(), testing::sha256_hex(raw.bytes)) << raw.name;
    EXPECT_EQ(e.at("crc").get<std::uint32_t>(), e.at("crc_of_bytes").get<std::uint32_t>());
    const bool ascii = std::all_of(raw.name.begin(), raw.name.end(),
                                   [](char c) { return static_cast<unsigned char>(c) < 0x80; });
    const int flags = e.at("flag_bits").get<int>();
    EXPECT_EQ((flags & 0x800) != 0, !ascii) << "UTF-8 flag of " << raw.name;
    EXPECT_EQ(flags & 1, 0) << "encrypted?";
  }
  EXPECT_EQ(entries[1].at("name").get<std::string>(), "fotos/02-área-de-serviço.jpg");
}

TEST_P(ZipWriterTest, SameInputsGiveTheSameBytes) {
  const auto first = must(write_zip(*store_, multipart(), kZipKey, inputs(), options()));
  const auto second = must(write_zip(*store_, multipart(), kZipKey, inputs(), options()));
  EXPECT_EQ(first.sha256_hex, second.sha256_hex);
  EXPECT_EQ(first.bytes, second.bytes);
  ZipOptions later = options();
  later.entry_time = core::Timestamp{std::chrono::sys_days{std::chrono::year{2026} / 3 / 4}};
  const auto third = must(write_zip(*store_, multipart(), kZipKey, inputs(), later));
  EXPECT_NE(third.sha256_hex, first.sha256_hex) << "the entry time is not in the archive";
}

TEST_P(ZipWriterTest, InputFailingHalfwayLeavesNothingAndReturnsItsError) {
  auto list = inputs();
  // The third input writes half its bytes, then fails, after the first parts were uploaded.
  const std::string half(2500, 'h');
  list[2].size = 5000;
  list[2].write_to = [&](core::ByteSink& sink) -> core::Status {
    if (auto st = sink.write(std::as_bytes(std::span{half.data(), half.size()})); !st) return st;
    return core::fail(core::ErrorCode::kStoreUnavailable, "the raw object went away half-way");
  };
  const auto result = write_zip(*store_, multipart(), kZipKey, list, options());
  ASSERT_TRUE(testing::fails_with(result, core::ErrorCode::kStoreUnavailable));
  EXPECT_EQ(result.error().message, "the raw object went away half-way");
  if (GetParam() == Mode::kMultipart) {
    ASSERT_EQ(recording_.created.size(), 1U);
    EXPECT_GE(recording_.parts_uploaded, 4) << "the failure should come after some parts";
    EXPECT_EQ(recording_.aborts, 1);
  }
  expect_nothing_left(kZipKey);
}

TEST_P(ZipWriterTest, ReplacingAnArchiveThatFailsKeepsTheOldOne) {
  const auto good = must(write_zip(*store_, multipart(), kZipKey, inputs(), options()));
  auto list = inputs();
  list.back().write_to = [](core::ByteSink&) -> core::Status {
    return core::fail(core::ErrorCode::kStorageError, "disk gone");
  };
  ASSERT_TRUE(testing::fails_with(write_zip(*store_, multipart(), kZipKey, list, options()),
                                  core::ErrorCode::kStorageError));
  const auto head = must(store_->head(kZipKey));
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->size, good.bytes);
  const auto exported = testing::export_object(*store_, kZipKey, dir_ / "old.zip");
  EXPECT_EQ(exported.sha256_hex, good.sha256_hex);
}

TEST_P(ZipWriterTest, MissingRawObjectFailsWithObjectNotFound) {
  auto list = inputs();
  list.push_back(store_input(*store_, "listings/1/batches/1/raw/404", "fotos/99-x.jpg", 10));
  ASSERT_TRUE(testing::fails_with(write_zip(*store_, multipart(), kZipKey, list, options()),
                                  core::ErrorCode::kObjectNotFound));
  expect_nothing_left(kZipKey);
}

TEST_P(ZipWriterTest, WrongSizesFailWithSizeMismatch) {
  for (const std::int64_t delta : {-1, 1}) {
    auto list = inputs();
    list[0].size += delta;
    const auto result = write_zip(*store_, multipart(), kZipKey, list, options());
    ASSERT_TRUE(testing::fails_with(result, core::ErrorCode::kSizeMismatch)) << delta;
    EXPECT_NE(result.error().message.find(list[0].name), std::string::npos);
    expect_nothing_left(kZipKey);
  }
}

TEST_P(ZipWriterTest, BadInputsAreRefusedBeforeAnyUpload) {
  const auto refused = [&](std::vector<ZipInput> list) {
    return testing::fails_with(write_zip(*store_, multipart(), kZipKey, list, options()),
                               core::ErrorCode::kInvalidRequest);
  };
  auto list = inputs();
  list[0].name = "../../etc/passwd";
  EXPECT_TRUE(refused(list));
  list = inputs();
  list[0].name = "";
  EXPECT_TRUE(refused(list));
  list = inputs();
  list[1].name = "fotos/Sala.jpg";
  list[2].name = "fotos/sala.jpg";
  EXPECT_TRUE(refused(list));
  list = inputs();
  list[0].size = -1;
  EXPECT_TRUE(refused(list));
  list = inputs();
  list[0].write_to = nullptr;
  EXPECT_TRUE(refused(list));
  ZipOptions zero = options();
  zero.part_size = 0;
  EXPECT_TRUE(testing::fails_with(write_zip(*store_, multipart(), kZipKey, inputs(), zero),
                                  core::ErrorCode::kInvalidRequest));
  EXPECT_TRUE(recording_.created.empty());
  expect_nothing_left(kZipKey);
}

TEST_P(ZipWriterTest, AKeyTheStoreRefusesFailsCleanly) {
  ASSERT_TRUE(
      testing::fails_with(write_zip(*store_, multipart(), "../escape.zip", inputs(), options()),
                          core::ErrorCode::kInvalidRequest));
  EXPECT_TRUE(testing::files_under(dir_ / "store" / ".tmp").empty());
  EXPECT_TRUE(testing::files_under(dir_ / "store" / ".multipart").empty());
}

TEST_P(ZipWriterTest, AnEmptyBatchIsAValidEmptyArchive) {
  const auto result = must(write_zip(*store_, multipart(), kZipKey, {}, options()));
  EXPECT_EQ(result.entries, 0);
  EXPECT_EQ(result.bytes, 22);  // the end record alone
  const auto zip = dir_ / "empty.zip";
  testing::export_object(*store_, kZipKey, zip);
  EXPECT_TRUE(testing::python_zip_report(zip).at("entries").empty());
}

INSTANTIATE_TEST_SUITE_P(BothWays, ZipWriterTest,
                         ::testing::Values(Mode::kMultipart, Mode::kSinglePut), mode_name);

}  // namespace
}  // namespace toq::media

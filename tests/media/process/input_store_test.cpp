// `toq-media process`'s store (adapter/cli/process/input_store.hpp): the object-store conformance
// suite on it, the adopted inputs read in place and linked into the work directory, and the
// pipeline still verifying an input that changed after it was adopted.

#include "adapter/cli/process/input_store.hpp"

#include <fstream>
#include <iterator>
#include <string>

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "core/model/object_keys.hpp"

#include "adapter/media/pipeline/file_digest.hpp"
#include "adapter/media/pipeline/pipeline.hpp"
#include "adapter/storage/local_object_store.hpp"
#include "conformance/object_store_conformance.hpp"
#include "support/temp_dir.hpp"

namespace toq::testing {
namespace {

namespace fs = std::filesystem;

std::unique_ptr<storage::LocalObjectStore> scratch_store(const fs::path& root,
                                                         const core::Clock& clock) {
  storage::LocalStoreOptions options;
  options.root = root;
  options.public_base_url = "http://127.0.0.1:9";
  options.credentials = {"TOQLOCALKEY", "local-secret"};
  options.durable = false;
  auto store = storage::LocalObjectStore::open(options, clock);
  if (!store) throw std::runtime_error(store.error().message);
  return std::move(*store);
}

// With nothing adopted the store is the scratch store's port, and passes its suite.
struct InputStoreFixture final : ObjectStoreFixture {
  TempDir dir;
  core::SystemClock clock;
  std::unique_ptr<storage::LocalObjectStore> local;
  std::unique_ptr<cli::InputStore> inputs;
};

struct InputStoreFactory {
  static constexpr const char* kName = "process-inputs";
  std::unique_ptr<ObjectStoreFixture> make() {
    auto fixture = std::make_unique<InputStoreFixture>();
    fixture->local = scratch_store(fixture->dir / "store", fixture->clock);
    fixture->inputs = std::make_unique<cli::InputStore>(*fixture->local);
    fixture->store = fixture->inputs.get();
    return fixture;
  }
};

using Adapters = ::testing::Types<InputStoreFactory>;
INSTANTIATE_TYPED_TEST_SUITE_P(ProcessInputs, ObjectStoreConformance, Adapters);

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_file(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

std::string get_all(core::ObjectStore& store, const std::string& key) {
  StringSink sink;
  must(store.get(key, sink), "get");
  return sink.bytes;
}

void put_bytes(core::ObjectStore& store, const std::string& key, const std::string& bytes) {
  StringSource source(bytes);
  must(store.put(key, source, core::PutOptions{}), "put");
}

class InputStoreTest : public ::testing::Test {
 protected:
  TempDir dir_;
  core::SystemClock clock_;
  std::unique_ptr<storage::LocalObjectStore> local_ = scratch_store(dir_ / "store", clock_);
  cli::InputStore store_{*local_};
  const fs::path input_ = dir_ / "photo.jpg";
  const std::string bytes_ = test_bytes(300000, 7);

  void SetUp() override { write_file(input_, bytes_); }
};

TEST_F(InputStoreTest, AnAdoptedInputIsReadInPlaceWithItsSizeAndSha256) {
  const auto adopted = must(store_.adopt("raw/1", input_));
  const auto digest = must(media::sha256_of_file(input_));
  EXPECT_EQ(adopted.size, static_cast<std::int64_t>(bytes_.size()));
  EXPECT_EQ(adopted.checksum_sha256, digest.base64);
  const auto head = must(store_.head("raw/1"));
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->checksum_sha256, digest.base64);
  EXPECT_EQ(get_all(store_, "raw/1"), bytes_);
  StringSink part;
  must(store_.get("raw/1", part, core::ByteRange{1000, 1999}));
  EXPECT_EQ(part.bytes, bytes_.substr(1000, 1000));
  EXPECT_FALSE(must(local_->head("raw/1")).has_value()) << "nothing was copied into the store";
}

TEST_F(InputStoreTest, CopyToFileLinksTheInputAndNeverTouchesIt) {
  must(store_.adopt("raw/1", input_));
  const auto work = dir_ / "work-input";
  must(store_.copy_to_file("raw/1", work));
  EXPECT_EQ(read_file(work), bytes_);
  struct stat a {};
  struct stat b {};
  ASSERT_EQ(::stat(input_.c_str(), &a), 0);
  ASSERT_EQ(::stat(work.c_str(), &b), 0);
  EXPECT_EQ(a.st_ino, b.st_ino) << "same file system: a hard link, no byte copied";
  fs::remove(work);
  EXPECT_EQ(read_file(input_), bytes_) << "removing the work copy leaves the input";
  // An existing file is never replaced.
  write_file(work, "other");
  const auto again = store_.copy_to_file("raw/1", work);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, core::ErrorCode::kStorageError);
  EXPECT_EQ(read_file(work), "other");
}

TEST_F(InputStoreTest, OtherKeysAreTheScratchStoresAndMissingOnesAreNotFound) {
  put_bytes(store_, "out/1", "rendition bytes");
  const auto work = dir_ / "copied";
  must(store_.copy_to_file("out/1", work));
  EXPECT_EQ(read_file(work), "rendition bytes");
  const auto missing = store_.copy_to_file("raw/9", dir_ / "missing");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, core::ErrorCode::kObjectNotFound);
  EXPECT_FALSE(fs::exists(dir_ / "missing")) << "no file left behind";
}

TEST_F(InputStoreTest, PutOrRemoveEndsTheAdoption) {
  must(store_.adopt("raw/1", input_));
  put_bytes(store_, "raw/1", "replaced");
  EXPECT_EQ(get_all(store_, "raw/1"), "replaced");
  must(store_.adopt("raw/2", input_));
  must(store_.remove({"raw/2"}));
  EXPECT_FALSE(must(store_.head("raw/2")).has_value());
  EXPECT_EQ(read_file(input_), bytes_) << "the input itself is never removed";
}

// The pipeline's fetch step hashes the linked work copy: an input changed after it was declared
// fails the verify step (its bytes or its size), and the work directory is gone either way.
TEST_F(InputStoreTest, AnInputChangedAfterAdoptionFailsVerification) {
  media::PipelineContext context{.store = &store_,
                                 .multipart = nullptr,
                                 .file_copier = &store_,
                                 .work_root = dir_ / "work",
                                 .limits = {},
                                 .enforce_declared_orientation = false};
  fs::create_directories(context.work_root);
  const core::ListingId listing{1};
  const core::BatchId batch{1};
  const core::AssetId asset{1};
  const auto key = core::raw_key(listing, batch, asset);
  const auto adopted = must(store_.adopt(key, input_));
  media::AssetTask task{
      .listing = listing,
      .batch = batch,
      .job = core::JobId{1},
      .asset = asset,
      .declared = core::FileDeclaration{.client_id = "file-1",
                                        .media_type = core::MediaType::kPhotoHorizontal,
                                        .filename = "photo.jpg",
                                        .content_type = "image/jpeg",
                                        .bytes = adopted.size,
                                        .checksum_sha256 = *adopted.checksum_sha256,
                                        .title = "photo",
                                        .sequence = 1},
      .raw_key = key};

  auto changed = bytes_;
  changed[5000] = static_cast<char>(changed[5000] ^ 0x20);
  write_file(input_, changed);
  const auto altered = must(media::process_asset(context, task));
  ASSERT_FALSE(altered.ready());
  EXPECT_EQ(altered.failure->code, core::ErrorCode::kChecksumMismatch);
  EXPECT_EQ(altered.failed_step, "verify");

  write_file(input_, bytes_.substr(0, 1000));
  const auto cut = must(media::process_asset(context, task));
  ASSERT_FALSE(cut.ready());
  EXPECT_EQ(cut.failure->code, core::ErrorCode::kSizeMismatch);
  EXPECT_TRUE(fs::is_empty(context.work_root)) << "each asset's work directory is removed";
  EXPECT_EQ(read_file(input_), bytes_.substr(0, 1000)) << "the input was only read";
}

}  // namespace
}  // namespace toq::testing

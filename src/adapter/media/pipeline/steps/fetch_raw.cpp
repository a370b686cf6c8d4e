#include "adapter/media/pipeline/steps/fetch_raw.hpp"

#include <cerrno>
#include <cstring>
#include <utility>

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include "core/model/object_keys.hpp"

#include "adapter/media/pipeline/file_digest.hpp"
#include "adapter/media/pipeline/steps/step_support.hpp"
#include "support/base64.hpp"
#include "support/crypto/digest.hpp"
#include "support/unique_fd.hpp"

namespace toq::media {
namespace {

// Writes what the store streams into a local file, hashing it on the way.
class HashingFileSink final : public core::ByteSink {
 public:
  HashingFileSink(int fd, support::Sha256 digest) : fd_(fd), digest_(std::move(digest)) {}

  core::Status write(std::span<const std::byte> data) override {
    if (auto hashed = digest_.update(data); !hashed) {
      return hashed;
    }
    const auto* p = reinterpret_cast<const char*>(data.data());
    std::size_t left = data.size();
    while (left > 0) {
      const auto n = ::write(fd_, p, left);
      if (n < 0) {
        if (errno == EINTR) {
          continue;
        }
        return core::fail(core::ErrorCode::kStorageError,
                          fmt::format("writing the work copy: {}", std::strerror(errno)));
      }
      p += n;
      left -= static_cast<std::size_t>(n);
    }
    bytes_ += static_cast<std::int64_t>(data.size());
    return {};
  }

  std::int64_t bytes() const { return bytes_; }
  support::Sha256& digest() { return digest_; }

 private:
  int fd_;
  support::Sha256 digest_;
  std::int64_t bytes_ = 0;
};

StepResult upload_missing(std::string_view when) {
  return asset_failure(core::ErrorCode::kUploadMissing,
                       fmt::format("The file was not found in storage: {}.", when),
                       "Upload the file again in a new session.");
}

// The store's local-file side makes the work copy (a link or a clone where it can); the copy is
// then hashed as it is, the bytes every later step reads.
StepResult copy_and_hash(const PipelineContext& context, AssetRun& run, const std::string& key) {
  auto copied = context.file_copier->copy_to_file(key, run.input);
  if (!copied) {
    if (copied.error().code == core::ErrorCode::kObjectNotFound) {
      return upload_missing("it was removed while processing");
    }
    return std::unexpected(copied.error());
  }
  auto digest = sha256_of_file(run.input);
  if (!digest) return std::unexpected(digest.error());
  run.input_bytes = digest->bytes;
  run.input_sha256_base64 = digest->base64;
  return std::nullopt;
}

}  // namespace

StepResult fetch_raw(const PipelineContext& context, AssetRun& run) {
  const auto& task = run.task;
  auto key = core::raw_input_key(task.raw_key, task.listing, task.batch);
  if (!key) {
    return std::unexpected(key.error());
  }
  auto head = context.store->head(*key);
  if (!head) {
    return std::unexpected(head.error());
  }
  if (!head->has_value()) {
    return upload_missing("it was never uploaded or was removed");
  }
  run.input = run.work_dir / "input";
  if (context.file_copier != nullptr) return copy_and_hash(context, run, *key);
  const support::UniqueFd fd{
      ::open(run.input.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)};
  if (!fd.valid()) {
    return core::fail(core::ErrorCode::kStorageError,
                      fmt::format("creating {}: {}", run.input.string(), std::strerror(errno)));
  }
  auto digest = support::Sha256::create();
  if (!digest) {
    return std::unexpected(digest.error());
  }
  HashingFileSink sink(fd.get(), std::move(*digest));
  auto got = context.store->get(*key, sink);
  if (!got) {
    if (got.error().code == core::ErrorCode::kObjectNotFound) {
      return upload_missing("it was removed while processing");
    }
    return std::unexpected(got.error());
  }
  auto sum = sink.digest().finish();
  if (!sum) {
    return std::unexpected(sum.error());
  }
  run.input_bytes = sink.bytes();
  run.input_sha256_base64 = support::base64_encode(std::span<const unsigned char>(*sum));
  return std::nullopt;
}

}  // namespace toq::media

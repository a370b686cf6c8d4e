#include "adapter/media/zip/archive_upload.hpp"

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <optional>
#include <span>
#include <thread>
#include <utility>
#include <vector>

#include <fmt/core.h>

namespace toq::media {
namespace {

using core::ErrorCode;

// A part held in memory, handed to upload_part as its body.
class SpanSource final : public core::ByteSource {
 public:
  explicit SpanSource(std::span<const std::byte> bytes) : bytes_(bytes) {}
  core::Result<std::size_t> read(std::span<std::byte> buf) override {
    const std::size_t n = std::min(buf.size(), bytes_.size() - pos_);
    if (n > 0) std::memcpy(buf.data(), bytes_.data() + pos_, n);
    pos_ += n;
    return n;
  }

 private:
  std::span<const std::byte> bytes_;
  std::size_t pos_ = 0;
};

class MultipartUpload final : public ArchiveUpload {
 public:
  MultipartUpload(core::MultipartStore& store, std::string key, std::string upload_id,
                  std::size_t part_size)
      : store_(store), key_(std::move(key)), upload_id_(std::move(upload_id)) {
    buffer_.resize(part_size);
  }
  MultipartUpload(const MultipartUpload&) = delete;
  MultipartUpload& operator=(const MultipartUpload&) = delete;
  ~MultipartUpload() override { (void)abort(); }

  core::Status write(std::span<const std::byte> data) override {
    if (state_ != State::kOpen) {
      return core::fail(ErrorCode::kInternal, "write to an archive upload that is closed");
    }
    while (!data.empty()) {
      const std::size_t n = std::min(data.size(), buffer_.size() - used_);
      std::memcpy(buffer_.data() + used_, data.data(), n);
      used_ += n;
      data = data.subspan(n);
      if (used_ == buffer_.size()) {
        if (auto st = upload_buffer(); !st) return st;
      }
    }
    return {};
  }

  core::Result<core::ObjectInfo> complete() override {
    if (state_ != State::kOpen) {
      return core::fail(ErrorCode::kInternal, "complete of an archive upload that is closed");
    }
    if (used_ > 0 || parts_.empty()) {
      if (auto st = upload_buffer(); !st) return std::unexpected(fail_and_abort(st.error()));
    }
    auto info = store_.complete_multipart(key_, upload_id_, parts_);
    if (!info) return std::unexpected(fail_and_abort(std::move(info.error())));
    state_ = State::kDone;
    buffer_ = {};
    return info;
  }

  core::Status abort() override {
    if (state_ == State::kDone) return {};
    state_ = State::kDone;
    buffer_ = {};
    return store_.abort_multipart(key_, upload_id_);
  }

  const std::string& upload_id() const override { return upload_id_; }

 private:
  enum class State : unsigned char { kOpen, kFailed, kDone };

  core::Status upload_buffer() {
    const int number = static_cast<int>(parts_.size()) + 1;
    if (!core::is_valid_part_number(number)) {
      state_ = State::kFailed;
      return core::fail(ErrorCode::kInvalidRequest,
                        fmt::format("the archive needs more than {} parts of {} bytes",
                                    core::kMaxPartNumber, buffer_.size()));
    }
    SpanSource body{std::span<const std::byte>{buffer_.data(), used_}};
    auto part =
        store_.upload_part(key_, upload_id_, number, body, static_cast<std::int64_t>(used_));
    if (!part) {
      state_ = State::kFailed;
      return std::unexpected(std::move(part.error()));
    }
    parts_.push_back({number, part->etag});
    used_ = 0;
    return {};
  }

  core::Error fail_and_abort(core::Error error) {
    if (auto st = abort(); !st) {
      error.message += fmt::format("; aborting multipart upload {} failed too: {}", upload_id_,
                                   st.error().message);
    }
    return error;
  }

  core::MultipartStore& store_;
  std::string key_;
  std::string upload_id_;
  std::vector<std::byte> buffer_;
  std::size_t used_ = 0;
  std::vector<core::CompletedPart> parts_;
  State state_ = State::kOpen;
};

// A bounded single-producer, single-consumer byte pipe between write() (this thread) and the
// store's put (the helper thread). Either side can stop the other: the producer by closing it
// (end of data) or cancelling it (an error the put's read returns), the consumer by finishing.
class Pipe {
 public:
  explicit Pipe(std::size_t capacity) : ring_(std::max<std::size_t>(capacity, 1)) {}

  // Blocks while full; fails once the consumer has stopped reading.
  core::Status push(std::span<const std::byte> data) {
    std::unique_lock lock{mutex_};
    while (!data.empty()) {
      changed_.wait(lock, [&] { return consumer_done_ || size_ < ring_.size(); });
      if (consumer_done_) {
        return core::fail(ErrorCode::kStorageError,
                          "the object store stopped reading the archive before its end");
      }
      const std::size_t tail = (head_ + size_) % ring_.size();
      const std::size_t n = std::min({data.size(), ring_.size() - size_, ring_.size() - tail});
      std::memcpy(ring_.data() + tail, data.data(), n);
      size_ += n;
      data = data.subspan(n);
      changed_.notify_all();
    }
    return {};
  }

  // Blocks while empty and open; 0 at the end; the cancel error when cancelled.
  core::Result<std::size_t> pull(std::span<std::byte> out) {
    std::unique_lock lock{mutex_};
    changed_.wait(lock, [&] { return cancelled_.has_value() || closed_ || size_ > 0; });
    if (cancelled_) return std::unexpected(*cancelled_);
    const std::size_t n = std::min({out.size(), size_, ring_.size() - head_});
    std::memcpy(out.data(), ring_.data() + head_, n);
    head_ = (head_ + n) % ring_.size();
    size_ -= n;
    changed_.notify_all();
    return n;
  }

  void close() {
    set([&] { closed_ = true; });
  }
  void cancel(core::Error error) {
    set([&] { cancelled_ = std::move(error); });
  }
  void consumer_finished() {
    set([&] { consumer_done_ = true; });
  }

 private:
  template <class F>
  void set(F f) {
    {
      std::lock_guard lock{mutex_};
      f();
    }
    changed_.notify_all();
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::byte> ring_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
  bool closed_ = false;
  bool consumer_done_ = false;
  std::optional<core::Error> cancelled_;
};

class PipeSource final : public core::ByteSource {
 public:
  explicit PipeSource(Pipe& pipe) : pipe_(pipe) {}
  core::Result<std::size_t> read(std::span<std::byte> buf) override { return pipe_.pull(buf); }

 private:
  Pipe& pipe_;
};

class StreamedPut final : public ArchiveUpload {
 public:
  StreamedPut(core::ObjectStore& store, std::string key, core::PutOptions options,
              std::size_t pipe_bytes)
      : pipe_(pipe_bytes) {
    // The thread only touches the pipe and result_, both outlive it (joined in complete/abort).
    thread_ = std::thread([this, &store, key = std::move(key), options = std::move(options)] {
      PipeSource source{pipe_};
      result_ = store.put(key, source, options);
      pipe_.consumer_finished();
    });
  }
  StreamedPut(const StreamedPut&) = delete;
  StreamedPut& operator=(const StreamedPut&) = delete;
  ~StreamedPut() override { (void)abort(); }

  core::Status write(std::span<const std::byte> data) override {
    if (!thread_.joinable()) {
      return core::fail(ErrorCode::kInternal, "write to an archive upload that is closed");
    }
    auto st = pipe_.push(data);
    if (!st && result_ready() && !*result_) {
      return std::unexpected(result_->error());  // the store's own reason
    }
    return st;
  }

  core::Result<core::ObjectInfo> complete() override {
    if (!thread_.joinable()) {
      return core::fail(ErrorCode::kInternal, "complete of an archive upload that is closed");
    }
    pipe_.close();
    thread_.join();
    return std::move(**result_);
  }

  core::Status abort() override {
    if (!thread_.joinable()) return {};
    // The put's read fails, so the store discards what it received and stores nothing.
    pipe_.cancel(core::make_error(ErrorCode::kInternal, "the archive was abandoned"));
    thread_.join();
    if (*result_) {
      return core::fail(ErrorCode::kInternal, "a put completed although the archive was abandoned");
    }
    return {};
  }

  const std::string& upload_id() const override { return no_id_; }

 private:
  bool result_ready() const {
    // consumer_finished() is called after result_ is set, under the pipe's lock; push() has
    // returned its "stopped reading" error only after seeing it, so result_ is visible here.
    return result_.has_value();
  }

  Pipe pipe_;
  std::optional<core::Result<core::ObjectInfo>> result_;
  std::thread thread_;
  std::string no_id_;
};

}  // namespace

core::Result<std::unique_ptr<ArchiveUpload>> start_multipart_upload(core::MultipartStore& store,
                                                                    std::string key,
                                                                    const core::PutOptions& options,
                                                                    std::int64_t part_size) {
  if (part_size < 1) {
    return core::fail(ErrorCode::kInvalidRequest,
                      fmt::format("part size {} must be positive", part_size));
  }
  auto id = store.create_multipart(key, options);
  if (!id) return std::unexpected(std::move(id.error()));
  return std::make_unique<MultipartUpload>(store, std::move(key), std::move(*id),
                                           static_cast<std::size_t>(part_size));
}

std::unique_ptr<ArchiveUpload> start_streamed_put(core::ObjectStore& store, std::string key,
                                                  core::PutOptions options,
                                                  std::size_t pipe_bytes) {
  return std::make_unique<StreamedPut>(store, std::move(key), std::move(options), pipe_bytes);
}

}  // namespace toq::media

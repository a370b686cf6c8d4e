#include "support/io/byte_sources.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

namespace toq::support {

namespace {

using core::ErrorCode;

std::unexpected<core::Error> io_error(std::string_view what) {
  return core::fail(ErrorCode::kStorageError, fmt::format("{}: {}", what, std::strerror(errno)));
}

}  // namespace

core::Result<std::size_t> MemorySource::read(std::span<std::byte> buf) {
  const std::size_t n = std::min(buf.size(), data_.size() - pos_);
  std::memcpy(buf.data(), data_.data() + pos_, n);
  pos_ += n;
  return n;
}

core::Status MemorySource::rewind() {
  pos_ = 0;
  return {};
}

core::Result<std::unique_ptr<FileSource>> FileSource::open(const std::filesystem::path& path) {
  UniqueFd fd{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (!fd.valid()) return io_error(fmt::format("cannot open {}", path.string()));
  return std::unique_ptr<FileSource>(new FileSource(std::move(fd)));
}

core::Result<std::unique_ptr<FileSource>> FileSource::temporary(const std::filesystem::path& dir) {
  std::filesystem::path base = dir;
  if (base.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    base = (tmp != nullptr && *tmp != '\0') ? tmp : "/tmp";
  }
  std::string name = (base / "toq-spool-XXXXXX").string();
  UniqueFd fd{::mkostemp(name.data(), O_CLOEXEC)};
  if (!fd.valid()) return io_error(fmt::format("cannot create a spool file in {}", base.string()));
  ::unlink(name.c_str());
  return std::unique_ptr<FileSource>(new FileSource(std::move(fd)));
}

core::Result<std::size_t> FileSource::read(std::span<std::byte> buf) {
  while (true) {
    const ssize_t n = ::read(fd_.get(), buf.data(), buf.size());
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno != EINTR) return io_error("read from spool/body file failed");
  }
}

core::Status FileSource::rewind() {
  if (::lseek(fd_.get(), 0, SEEK_SET) < 0) return io_error("rewind of body file failed");
  return {};
}

core::Status FileSource::append(std::span<const std::byte> data) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd_.get(), data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("write to spool file failed");
    }
    done += static_cast<std::size_t>(n);
  }
  return {};
}

core::Result<std::int64_t> FileSource::size() const {
  struct stat st {};
  if (::fstat(fd_.get(), &st) != 0) return io_error("fstat of body file failed");
  return static_cast<std::int64_t>(st.st_size);
}

core::Result<std::size_t> PrefixedSource::read(std::span<std::byte> buf) {
  if (pos_ < prefix_.size()) {
    const std::size_t n = std::min(buf.size(), prefix_.size() - pos_);
    std::memcpy(buf.data(), prefix_.data() + pos_, n);
    pos_ += n;
    return n;
  }
  return rest_->read(buf);
}

core::Status BufferSink::write(std::span<const std::byte> data) {
  bytes.append(reinterpret_cast<const char*>(data.data()), data.size());
  return {};
}

core::Result<std::string> read_up_to(core::ByteSource& source, std::size_t limit) {
  std::string out;
  constexpr std::size_t kChunk = 64 * 1024;
  while (out.size() < limit) {
    const std::size_t old = out.size();
    const std::size_t want = std::min(kChunk, limit - old);
    out.resize(old + want);
    auto n =
        source.read(std::span<std::byte>{reinterpret_cast<std::byte*>(out.data() + old), want});
    if (!n) return std::unexpected(std::move(n.error()));
    out.resize(old + *n);
    if (*n == 0) break;
  }
  return out;
}

}  // namespace toq::support

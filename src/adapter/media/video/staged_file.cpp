#include "adapter/media/video/staged_file.hpp"

#include <atomic>
#include <system_error>
#include <utility>

#include <fmt/core.h>
#include <unistd.h>

namespace toq::media {
namespace {
std::atomic<unsigned> g_counter{0};
}  // namespace

StagedFile::StagedFile(const std::filesystem::path& out_dir, const std::string& name,
                       const std::string& extension)
    : temp_(out_dir /
            fmt::format(".{}.{}-{}.partial.{}", name, ::getpid(), g_counter++, extension)),
      final_(out_dir / fmt::format("{}.{}", name, extension)) {}

StagedFile::StagedFile(StagedFile&& other) noexcept
    : temp_(std::move(other.temp_)),
      final_(std::move(other.final_)),
      committed_(other.committed_),
      active_(std::exchange(other.active_, false)) {}

StagedFile::~StagedFile() {
  if (!active_ || committed_) return;
  std::error_code ec;
  std::filesystem::remove(temp_, ec);
}

std::uintmax_t StagedFile::written_bytes() const {
  std::error_code ec;
  const auto size = std::filesystem::file_size(committed_ ? final_ : temp_, ec);
  return ec ? 0 : size;
}

core::Status StagedFile::commit() {
  std::error_code ec;
  std::filesystem::rename(temp_, final_, ec);
  if (ec) {
    return core::fail(core::ErrorCode::kStorageError,
                      fmt::format("could not rename {} to {}: {}", temp_.string(), final_.string(),
                                  ec.message()));
  }
  committed_ = true;
  return {};
}

void StagedFile::discard() {
  std::error_code ec;
  std::filesystem::remove(committed_ ? final_ : temp_, ec);
  committed_ = false;
  active_ = false;
}

}  // namespace toq::media

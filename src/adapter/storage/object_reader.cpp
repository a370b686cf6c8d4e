#include "adapter/storage/object_reader.hpp"

#include <algorithm>
#include <vector>

#include <fmt/format.h>

#include "adapter/storage/file_io.hpp"
#include "adapter/storage/object_file.hpp"
#include "adapter/storage/store_rules.hpp"

namespace toq::storage {

core::Status ObjectReader::copy_to(core::ByteSink& sink, std::int64_t first,
                                   std::int64_t length) const {
  return guarded("read object", [&]() -> core::Status {
    if (first < 0 || length < 0 || first + length > info_.size) {
      return core::fail(
          core::ErrorCode::kInvalidRange,
          fmt::format("range {}+{} outside an object of {} bytes", first, length, info_.size));
    }
    std::vector<std::byte> buffer(static_cast<std::size_t>(
        std::min<std::int64_t>(length, static_cast<std::int64_t>(buffer_size_))));
    std::int64_t done = 0;
    while (done < length) {
      const auto want = static_cast<std::size_t>(
          std::min<std::int64_t>(length - done, static_cast<std::int64_t>(buffer.size())));
      auto n = read_at(first + done, std::span{buffer.data(), want});
      if (!n) return std::unexpected(std::move(n.error()));
      if (auto st = sink.write(std::span{buffer.data(), *n}); !st) return st;
      done += static_cast<std::int64_t>(*n);
    }
    return {};
  });
}

core::Result<std::size_t> ObjectReader::read_at(std::int64_t offset,
                                                std::span<std::byte> buffer) const {
  return guarded("read object", [&]() -> core::Result<std::size_t> {
    if (offset < 0 || offset >= info_.size || buffer.empty()) return std::size_t{0};
    const auto want = static_cast<std::size_t>(
        std::min<std::int64_t>(info_.size - offset, static_cast<std::int64_t>(buffer.size())));
    auto n = pread_full(fd_.get(), buffer.first(want), kHeaderSize + offset, path_);
    if (!n) return std::unexpected(std::move(n.error()));
    if (*n == 0) {
      return core::fail(core::ErrorCode::kStorageError,
                        fmt::format("{} is shorter than its header says", path_.string()));
    }
    return *n;
  });
}

}  // namespace toq::storage

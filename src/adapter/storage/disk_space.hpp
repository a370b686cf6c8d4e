#pragma once
// Free space of the file system that holds the data directory (the database, the local store and
// its temp files), for readiness: a disk about to fill is reported before uploads fail on it.

#include <cstdint>
#include <filesystem>

#include "core/model/error.hpp"

namespace toq::storage {

// Ok when the file system holding `dir` has at least `min_free_bytes` available to this process
// (statvfs f_bavail); INSUFFICIENT_STORAGE saying how much is left otherwise; STORAGE_ERROR when
// it cannot be measured.
core::Status check_free_space(const std::filesystem::path& dir, std::int64_t min_free_bytes);

}  // namespace toq::storage

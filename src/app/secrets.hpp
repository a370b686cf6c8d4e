#pragma once
// Secrets the embedded default creates on first start and keeps in the data dir (mode 0600), so a
// restart, a worker process and `toq-media token` all use the same ones.

#include <filesystem>
#include <string>

#include "core/model/error.hpp"

namespace toq::app {

// The secret stored at `path`, creating it first when missing: 32 random bytes as 64 hex
// characters, written to a temp file and published with link(2), so processes racing on a fresh
// data dir all end up with the one secret that won and nobody reads a half-written file.
// CONFIG_INVALID when the file exists but is readable by group or others, or is not 64 hex chars.
core::Result<std::string> load_or_create_secret(const std::filesystem::path& path);

}  // namespace toq::app

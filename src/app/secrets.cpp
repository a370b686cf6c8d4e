#include "app/secrets.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include "support/crypto/random.hpp"
#include "support/unique_fd.hpp"

namespace toq::app {
namespace {

using core::ErrorCode;

core::Error io_error(const std::filesystem::path& path, std::string_view what) {
  return core::make_error(ErrorCode::kConfigInvalid,
                          fmt::format("{} {}: {}", what, path.string(), std::strerror(errno)), {},
                          "Check that the data directory exists and is writable by this user.");
}

bool is_hex64(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

core::Result<std::string> read_secret(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::unexpected(io_error(path, "cannot stat"));
  if ((st.st_mode & 077) != 0) {
    return core::fail(
        ErrorCode::kConfigInvalid,
        fmt::format("{} is readable by other users (mode {:o})", path.string(), st.st_mode & 0777),
        {}, fmt::format("Run: chmod 600 {}", path.string()));
  }
  std::ifstream in(path);
  std::string secret;
  std::getline(in, secret);
  if (!is_hex64(secret)) {
    return core::fail(ErrorCode::kConfigInvalid,
                      fmt::format("{} does not hold a 64-character hex secret", path.string()), {},
                      "Delete the file to have a new secret created (tokens and URLs signed with "
                      "the old one stop working).");
  }
  return secret;
}

}  // namespace

core::Result<std::string> load_or_create_secret(const std::filesystem::path& path) {
  if (std::filesystem::exists(path)) return read_secret(path);
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  if (ec) {
    return core::fail(
        ErrorCode::kConfigInvalid,
        fmt::format("cannot create {}: {}", path.parent_path().string(), ec.message()));
  }
  auto secret = support::random_hex(32);
  if (!secret) return std::unexpected(secret.error());

  const auto temp =
      path.parent_path() / fmt::format(".{}.{}.tmp", path.filename().string(), getpid());
  support::UniqueFd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (fd.get() < 0) return std::unexpected(io_error(temp, "cannot create"));
  const std::string line = *secret + "\n";
  const bool written =
      ::write(fd.get(), line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
      ::fsync(fd.get()) == 0;
  fd.reset();
  if (!written) {
    ::unlink(temp.c_str());
    return std::unexpected(io_error(temp, "cannot write"));
  }
  // link() fails with EEXIST when another process published first: then its secret is the one.
  const int linked = ::link(temp.c_str(), path.c_str());
  const int link_errno = errno;
  ::unlink(temp.c_str());
  if (linked != 0 && link_errno != EEXIST) {
    errno = link_errno;
    return std::unexpected(io_error(path, "cannot publish"));
  }
  return read_secret(path);
}

}  // namespace toq::app

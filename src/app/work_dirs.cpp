#include "app/work_dirs.hpp"

#include <cerrno>
#include <charconv>
#include <string>
#include <system_error>

#include <signal.h>

namespace toq::app {
namespace {

namespace fs = std::filesystem;

// The pid a directory name records, or 0 when it does not name one.
pid_t pid_of(std::string_view name, std::string_view prefix) {
  if (!name.starts_with(prefix)) return 0;
  name.remove_prefix(prefix.size());
  pid_t pid = 0;
  const auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), pid);
  if (ec != std::errc{} || end != name.data() + name.size() || pid <= 0) return 0;
  return pid;
}

bool runs(pid_t pid) {
  return ::kill(pid, 0) == 0 || errno == EPERM;
}

// True when nothing in the tree (the directory included) was modified after `since`; false on any
// error, so that a directory that cannot be judged is kept.
bool quiet_since(const fs::path& dir, fs::file_time_type since) {
  std::error_code ec;
  if (fs::last_write_time(dir, ec) > since || ec) return false;
  fs::recursive_directory_iterator it(dir, fs::directory_options::none, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const auto status = it->symlink_status(ec);
    if (ec) return false;
    if (fs::is_symlink(status)) continue;
    if (fs::last_write_time(it->path(), ec) > since || ec) return false;
  }
  return !ec;
}

}  // namespace

std::vector<fs::path> remove_dead_work_dirs(const fs::path& parent, std::string_view prefix,
                                            std::chrono::seconds quiet) {
  const auto since = fs::file_time_type::clock::now() - quiet;
  std::vector<fs::path> dead;  // listed first: nothing is removed while the listing runs
  std::error_code ec;
  for (fs::directory_iterator it(parent, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    const pid_t pid = pid_of(it->path().filename().string(), prefix);
    std::error_code kind_ec;
    const auto status = it->symlink_status(kind_ec);
    if (pid == 0 || kind_ec || !fs::is_directory(status) || runs(pid)) continue;
    dead.push_back(it->path());
  }
  std::vector<fs::path> removed;
  for (const auto& dir : dead) {
    if (!quiet_since(dir, since)) continue;
    std::error_code remove_ec;
    fs::remove_all(dir, remove_ec);
    if (!remove_ec) removed.push_back(dir);
  }
  return removed;
}

std::vector<fs::path> remove_dead_task_work_dirs(const fs::path& parent,
                                                 std::chrono::seconds quiet) {
  std::vector<fs::path> removed;
  for (const std::string_view prefix : kTaskWorkDirPrefixes) {
    auto some = remove_dead_work_dirs(parent, prefix, quiet);
    removed.insert(removed.end(), some.begin(), some.end());
  }
  return removed;
}

}  // namespace toq::app

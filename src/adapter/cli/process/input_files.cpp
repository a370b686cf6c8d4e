#include "adapter/cli/process/input_files.hpp"

#include <algorithm>
#include <system_error>

#include <fmt/format.h>

namespace toq::cli {
namespace {

namespace fs = std::filesystem;

bool hidden(const fs::path& entry) {
  return entry.filename().string().starts_with('.');
}

// Every non-hidden regular file under `root`, sorted by relative path (byte order).
core::Result<std::vector<InputFile>> files_under(const fs::path& root) {
  std::error_code ec;
  fs::recursive_directory_iterator it(root, fs::directory_options::none, ec);
  if (ec) {
    return core::fail(core::ErrorCode::kStorageError,
                      fmt::format("cannot read folder {}: {}", root.string(), ec.message()), {},
                      "Check that the folder exists and that you may read it.");
  }
  std::vector<std::pair<std::string, fs::path>> found;
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    const fs::directory_entry& entry = *it;
    if (hidden(entry.path())) {
      if (entry.is_directory(ec) && !entry.is_symlink(ec)) it.disable_recursion_pending();
      continue;
    }
    if (entry.is_symlink(ec) && entry.is_directory(ec)) {
      it.disable_recursion_pending();  // never into a linked folder: no cycles
      continue;
    }
    if (!entry.is_regular_file(ec)) continue;
    found.emplace_back(entry.path().lexically_relative(root).generic_string(), entry.path());
  }
  if (ec) {
    return core::fail(core::ErrorCode::kStorageError,
                      fmt::format("cannot read folder {}: {}", root.string(), ec.message()), {},
                      "Check that you may read every folder under it.");
  }
  // std::string compares with char_traits<char>, as unsigned bytes: locale-independent.
  std::sort(found.begin(), found.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string label = root.lexically_normal().filename().string();
  if (label.empty()) label = root.lexically_normal().parent_path().filename().string();
  std::vector<InputFile> files;
  files.reserve(found.size());
  for (auto& [relative, path] : found) {
    files.push_back(InputFile{std::move(path),
                              label.empty() ? relative : fmt::format("{}/{}", label, relative)});
  }
  return files;
}

}  // namespace

core::Result<std::vector<InputFile>> expand_inputs(const std::vector<fs::path>& paths) {
  std::vector<InputFile> out;
  for (const auto& path : paths) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      auto files = files_under(path);
      if (!files) return std::unexpected(files.error());
      if (files->empty()) {
        return core::fail(core::ErrorCode::kInvalidRequest,
                          fmt::format("folder {} has no file to process", path.string()), {},
                          "Hidden files and folders (names starting with \".\") are skipped; "
                          "point at a folder that holds photos, videos or PDFs.");
      }
      std::move(files->begin(), files->end(), std::back_inserter(out));
    } else if (fs::is_regular_file(path, ec)) {
      out.push_back(InputFile{path, path.filename().string()});
    } else {
      return core::fail(core::ErrorCode::kInvalidRequest,
                        fmt::format("{} is neither a file nor a folder", path.string()), {},
                        "Give photo, video or PDF files, or folders holding them.");
    }
  }
  return out;
}

}  // namespace toq::cli

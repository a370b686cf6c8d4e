#include "adapter/media/video/package_hls.hpp"

#include <fstream>
#include <string>

#include <fmt/core.h>

#include "core/model/rendition.hpp"

#include "adapter/media/video/hls_playlists.hpp"
#include "adapter/media/video/staged_file.hpp"

namespace toq::media {
namespace {

// A playlist's recorded size is the picture it plays: its rung's, the largest rung's for the
// master.
core::Result<OutputFile> write_playlist(const std::filesystem::path& out_dir,
                                        const std::string& name, const std::string& text,
                                        const OutputFile& size_of) {
  StagedFile file(out_dir, name, "m3u8");
  {
    std::ofstream out(file.temp_path(), std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) {
      return core::fail(core::ErrorCode::kStorageError,
                        fmt::format("writing {} failed", file.temp_path().string()));
    }
  }
  if (auto committed = file.commit(); !committed) return core::fail(committed.error());
  return OutputFile{name,
                    "m3u8",
                    "m3u8",
                    file.final_path(),
                    size_of.width,
                    size_of.height,
                    static_cast<std::int64_t>(text.size())};
}

void remove_all(const std::vector<OutputFile>& files) {
  for (const auto& f : files) {
    std::error_code ec;
    std::filesystem::remove(f.path, ec);
  }
}

}  // namespace

core::Result<std::vector<OutputFile>> package_hls(const std::vector<OutputFile>& rungs,
                                                  const std::filesystem::path& out_dir) {
  std::vector<HlsRung> master;
  std::vector<OutputFile> written;
  const OutputFile* largest = nullptr;
  for (const auto& rung : rungs) {
    if (rung.format != "fmp4") continue;
    auto index = read_fmp4_index(rung.path);
    if (!index) {
      remove_all(written);
      return core::fail(index.error());
    }
    if (index->width != rung.width || index->height != rung.height) {
      remove_all(written);
      return core::fail(core::ErrorCode::kInternal,
                        fmt::format("{} is {}x{}, planned {}x{}", rung.path.string(), index->width,
                                    index->height, rung.width, rung.height));
    }
    auto playlist = write_playlist(out_dir, rung.name + "-playlist",
                                   media_playlist(*index, rung.path.filename().string()), rung);
    if (!playlist) {
      remove_all(written);
      return core::fail(playlist.error());
    }
    written.push_back(*playlist);
    if (largest == nullptr) largest = &rung;
    // "hls-720p" -> "720p.m3u8"
    master.push_back(HlsRung{rung.name.substr(rung.name.find('-') + 1) + ".m3u8", *index});
  }
  if (master.empty()) {
    return core::fail(core::ErrorCode::kInternal, "package_hls: no HLS rung to package");
  }
  auto top = write_playlist(out_dir, std::string(core::kHlsMasterRendition),
                            master_playlist(master), *largest);
  if (!top) {
    remove_all(written);
    return core::fail(top.error());
  }
  written.push_back(*top);
  return written;
}

}  // namespace toq::media

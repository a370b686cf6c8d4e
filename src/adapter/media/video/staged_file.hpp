#pragma once
// StagedFile: an output written under a temporary name inside out_dir and renamed to its final
// name only when the tool that wrote it succeeded, so out_dir never holds a partial output under
// a final name. The temporary file is removed when the StagedFile goes away uncommitted (a failed
// or killed tool), and a committed file is removed by discard() (a later step failed).

#include <cstdint>
#include <filesystem>
#include <string>

#include "core/model/error.hpp"

namespace toq::media {

class StagedFile {
 public:
  // Final path out_dir/<name>.<extension>; temporary out_dir/.<name>.<unique>.partial.<extension>.
  StagedFile(const std::filesystem::path& out_dir, const std::string& name,
             const std::string& extension);
  StagedFile(const StagedFile&) = delete;
  StagedFile& operator=(const StagedFile&) = delete;
  StagedFile(StagedFile&& other) noexcept;
  StagedFile& operator=(StagedFile&&) = delete;
  ~StagedFile();

  [[nodiscard]] const std::filesystem::path& temp_path() const { return temp_; }
  [[nodiscard]] const std::filesystem::path& final_path() const { return final_; }
  // Size of the temporary file; 0 when it is missing or empty (the tool wrote nothing).
  [[nodiscard]] std::uintmax_t written_bytes() const;

  // Renames the temporary file to the final name (atomic within out_dir). STORAGE_ERROR when the
  // temporary file is missing or the rename fails.
  core::Status commit();
  // Removes the file, committed or not.
  void discard();

 private:
  std::filesystem::path temp_;
  std::filesystem::path final_;
  bool committed_ = false;
  bool active_ = true;
};

}  // namespace toq::media

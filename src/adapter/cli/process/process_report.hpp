#pragma once
// What `toq-media process` leaves behind about its run: report.json in the output directory (one
// entry per file: facts, renditions, error) and the summary table on stdout.

#include <filesystem>
#include <optional>
#include <vector>

#include "core/model/error.hpp"

#include "adapter/cli/process/process_item.hpp"
#include "adapter/media/pipeline/pipeline.hpp"

namespace toq::cli {

// <out_dir>/report.json. STORAGE_ERROR when it cannot be written.
core::Status write_report(const std::vector<ProcessItem>& items,
                          const std::optional<media::ArchiveInfo>& zip,
                          const std::filesystem::path& zip_path,
                          const std::filesystem::path& out_dir);

// The table of files, the count of failures, the ZIP and where the report is.
void print_summary(const std::vector<ProcessItem>& items,
                   const std::optional<media::ArchiveInfo>& zip,
                   const std::filesystem::path& zip_path, const std::filesystem::path& out_dir);

}  // namespace toq::cli

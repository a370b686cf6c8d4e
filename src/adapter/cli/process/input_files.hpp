#pragma once
// What `toq-media process PATH...` works on: every PATH that is a file, and every file under a
// PATH that is a folder.
//
// Contract of expand_inputs:
// - A file is taken as given (named by its file name), whatever its name.
// - A folder is searched recursively. Entries whose name starts with "." (hidden files, and
//   hidden folders with everything under them) are skipped; so is anything that is neither a
//   regular file nor a folder (sockets, devices, broken links). Links are followed to files, never
//   into folders (no cycles).
// - A folder's files come in a stable order: sorted by their path relative to the folder, byte by
//   byte (so "B.jpg" < "a.jpg" < "sub/c.jpg" whatever the locale), named "<folder>/<relative>".
// - The inputs keep the command line's order; within each folder, that sorted order.
// - Files of any type are returned: what the pipeline cannot read fails with UNSUPPORTED_FORMAT
//   and is reported with the rest.
// - INVALID_REQUEST (message + hint) for a folder with no file to process, or a PATH that is
//   neither; STORAGE_ERROR when a folder cannot be read.

#include <filesystem>
#include <string>
#include <vector>

#include "core/model/error.hpp"

namespace toq::cli {

struct InputFile {
  std::filesystem::path path;  // to open
  std::string name;            // to show: "IMG_2907.jpg" or "sessao/sala/IMG_2907.jpg"
};

core::Result<std::vector<InputFile>> expand_inputs(const std::vector<std::filesystem::path>& paths);

}  // namespace toq::cli

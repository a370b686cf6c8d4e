#pragma once
// One input file of `toq-media process` as it goes through the pipeline, and what the display and
// the report say about it.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/error.hpp"
#include "core/model/manifest.hpp"

#include "adapter/media/pipeline/pipeline.hpp"

namespace toq::cli {

struct ProcessItem {
  int index = 0;  // 1-based, the input's position
  std::filesystem::path path;
  std::string name;  // as shown: the file name, or "<folder>/<relative path>" (input_files.hpp)
  core::FileDeclaration declared;
  media::AssetTask task;
  std::optional<media::AssetOutcome> outcome;
  std::optional<core::Error> error;           // infrastructure failure
  std::vector<std::filesystem::path> copied;  // renditions copied to the output directory
  double seconds = 0;
};

// READY: processed without an infrastructure error and without an asset failure.
bool succeeded(const ProcessItem& item);

// The type the file would be declared as: its kind from the bytes, its orientation as displayed.
std::string_view displayed_type(const ProcessItem& item);

// Why the item failed: the code, message and hint, and the step that found it (none for an
// infrastructure error).
struct ItemFailure {
  std::string_view code;
  std::string message;
  std::string hint;
  std::optional<std::string> step;
};
ItemFailure failure_of(const ProcessItem& item);

}  // namespace toq::cli

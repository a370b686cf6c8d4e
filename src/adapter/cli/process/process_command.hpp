#pragma once
// `toq-media process PATH... --out DIR [--jobs N] [--quiet]`: the media pipeline on local files
// and folders (input_files.hpp: recursive, hidden entries skipped, a stable order).
// Each file goes into a scratch object store under <out>/.store as a raw upload, through every
// step the workers run (so what it shows is what the service does), and its renditions are
// copied to <out>/renditions/NN-<name>/; the ZIP of the files that succeeded goes to
// <out>/midias.zip, a JSON report to <out>/report.json, a summary table to stdout, and a progress
// display (per file and overall) to stderr. Returns 0 when every file succeeded, 1 when any
// failed, 2 when the pipeline could not run (the output directory unusable, a tool missing).

#include <filesystem>
#include <functional>
#include <memory>

#include "core/model/error.hpp"
#include "core/port/object_store.hpp"

#include "adapter/cli/cli.hpp"

namespace toq::cli {

// The store the command works in; the composition root picks it (an embedded store, not
// durable, removed at the end).
struct ScratchStore {
  std::shared_ptr<core::ObjectStore> store;
  std::shared_ptr<core::MultipartStore> multipart;
};
using OpenScratchStore =
    std::function<core::Result<ScratchStore>(const std::filesystem::path& root)>;

int run_process(const ProcessOptions& options, const OpenScratchStore& open_store);

}  // namespace toq::cli

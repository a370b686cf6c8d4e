#pragma once
// `toq-media process PATH... --out DIR [--jobs N] [--quiet]`: the media pipeline on local files
// and folders (input_files.hpp: recursive, hidden entries skipped, a stable order).
// Each file becomes a raw upload of a scratch object store under <out>/.store (adopted in place,
// not copied: input_store.hpp) and goes through every step the workers run (so what it shows is
// what the service does); its renditions are copied to <out>/renditions/NN-<name>/; the ZIP of the
// files that succeeded goes to <out>/midias.zip, a JSON report to <out>/report.json, a summary
// table to stdout, and a progress display (per file and overall) to stderr. Returns 0 when every
// file succeeded, 1 when any failed, 2 when the pipeline could not run (the output directory
// unusable, a tool missing).

#include <filesystem>
#include <functional>
#include <memory>

#include "core/model/error.hpp"

#include "adapter/cli/cli.hpp"
#include "adapter/media/pipeline/pipeline.hpp"

namespace toq::cli {

// The pipeline the command runs, built by the composition root: the media pipeline's steps on a
// scratch store (an embedded store, not durable, removed at the end) under `store_root`, working
// in `work_root`. `owner` keeps alive what `context` points to.
struct ProcessPipeline {
  std::shared_ptr<const void> owner;
  media::PipelineContext context;
};
using OpenProcessPipeline = std::function<core::Result<ProcessPipeline>(
    const std::filesystem::path& store_root, const std::filesystem::path& work_root)>;

int run_process(const ProcessOptions& options, const OpenProcessPipeline& open_pipeline);

}  // namespace toq::cli

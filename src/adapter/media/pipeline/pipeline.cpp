#include "adapter/media/pipeline/pipeline.hpp"

#include <array>
#include <atomic>
#include <filesystem>
#include <system_error>

#include <fmt/format.h>
#include <unistd.h>

#include "adapter/media/pipeline/steps/detect_format.hpp"
#include "adapter/media/pipeline/steps/fetch_raw.hpp"
#include "adapter/media/pipeline/steps/probe_media.hpp"
#include "adapter/media/pipeline/steps/render_outputs.hpp"
#include "adapter/media/pipeline/steps/store_outputs.hpp"
#include "adapter/media/pipeline/steps/verify_upload.hpp"

namespace toq::media {
namespace {

struct NamedStep {
  std::string_view name;
  StepResult (*run)(const PipelineContext&, AssetRun&);
};

// THE order of the per-asset steps. Nothing else in the code base sequences them.
constexpr std::array kAssetSteps = {
    NamedStep{"fetch", fetch_raw},       NamedStep{"verify", verify_upload},
    NamedStep{"detect", detect_format},  NamedStep{"probe", probe_media},
    NamedStep{"render", render_outputs}, NamedStep{"store", store_outputs},
};

// Removes the asset's work directory however the run ends.
struct WorkDir {
  std::filesystem::path path;
  ~WorkDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

std::atomic<unsigned> work_dir_counter{0};

}  // namespace

std::vector<std::string_view> asset_step_names() {
  std::vector<std::string_view> names;
  for (const auto& step : kAssetSteps) {
    names.push_back(step.name);
  }
  return names;
}

core::Result<AssetOutcome> process_asset(const PipelineContext& context, const AssetTask& task,
                                         const StepObserver& observer) {
  WorkDir work{context.work_root / fmt::format("job-{}-asset-{}-{}-{}", task.job.value,
                                               task.asset.value, ::getpid(),
                                               work_dir_counter.fetch_add(1))};
  std::error_code ec;
  std::filesystem::remove_all(work.path, ec);
  std::filesystem::create_directories(work.path, ec);
  if (ec) {
    return core::fail(
        core::ErrorCode::kStorageError,
        fmt::format("creating the work directory {}: {}", work.path.string(), ec.message()));
  }
  AssetRun run(task);
  run.work_dir = work.path;
  AssetOutcome outcome;
  outcome.asset = task.asset;
  for (const auto& step : kAssetSteps) {
    if (step.name == "render" && context.before_render) {
      if (auto planned = context.before_render(run); !planned) {
        return std::unexpected(planned.error());
      }
    }
    auto result = step.run(context, run);
    if (!result) {
      auto error = result.error();
      error.message =
          fmt::format("asset {} step {}: {}", task.asset.value, step.name, error.message);
      return std::unexpected(std::move(error));
    }
    if (observer) {
      observer(step.name);
    }
    if (result->has_value()) {
      outcome.failure = std::move(**result);
      outcome.failed_step = std::string(step.name);
      outcome.facts = run.facts;
      return outcome;
    }
  }
  outcome.facts = run.facts;
  outcome.renditions = std::move(run.renditions);
  return outcome;
}

}  // namespace toq::media

namespace toq::media {

core::Result<core::AssetWorkResult> PipelineProcessor::process_asset(const core::AssetWork& work) {
  return media::process_asset(context_, work);
}

core::Result<core::ArchiveInfo> PipelineProcessor::build_archive(const core::ArchiveWork& work) {
  auto info = media::build_archive(context_, work);
  if (!info) {
    return std::unexpected(info.error());
  }
  return static_cast<core::ArchiveInfo&>(*info);
}

}  // namespace toq::media

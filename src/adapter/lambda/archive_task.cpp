// The archive task (tasks.hpp): the contract's "Archive task" in docs/aws-pipeline.md.

#include <fmt/format.h>

#include "core/model/object_keys.hpp"

#include "adapter/aws/pipeline/documents.hpp"
#include "adapter/aws/pipeline/result_documents.hpp"
#include "adapter/lambda/tasks.hpp"

namespace toq::lambda {
namespace {

namespace doc = aws::pipeline;

TaskFailure typed(std::string_view type, std::string message, std::string hint) {
  return TaskFailure{std::string(type), doc::task_error_message({.step = "archive",
                                                                 .code = core::ErrorCode::kInternal,
                                                                 .message = std::move(message),
                                                                 .hint = std::move(hint)})};
}

TaskFailure from_error(const core::Error& e) {
  const bool input_fault = e.code == core::ErrorCode::kInvalidRequest;
  return typed(input_fault ? kTaskInputInvalid : kMediaTransient, e.message,
               input_fault ? "A result document is missing what the ZIP needs."
                           : "An infrastructure fault (storage, network, disk): retried.");
}

}  // namespace

TaskOutcome run_archive_task(std::string_view payload, const TaskContext& context,
                             const ArchiveTaskDeps& deps) {
  auto input = doc::parse_archive_task_input(payload, deps.bucket);
  if (!input) {
    return std::unexpected(typed(kTaskInputInvalid, input.error().message,
                                 "The payload breaks the processing contract."));
  }
  const auto& run = input->run;
  core::ArchiveWork work{.listing = run.listing, .batch = run.batch, .job = run.job, .items = {}};
  for (const auto id : input->asset_ids) {
    const auto key = doc::result_key(run, id);
    auto text = doc::read_document(*deps.store, key);
    if (!text) return std::unexpected(from_error(text.error()));
    if (!*text) {
      return std::unexpected(typed(
          kTaskInputInvalid, fmt::format("asset {} has no result document at {}", id.value, key),
          "Only a run whose every asset is READY is archived."));
    }
    auto parsed = doc::parse_asset_result_document(**text);
    if (!parsed) {
      return std::unexpected(typed(kTaskInputInvalid,
                                   fmt::format("{}: {}", key, parsed.error().message),
                                   "The result document breaks the processing contract."));
    }
    if (!parsed->ready || parsed->asset != id || parsed->job != run.job) {
      return std::unexpected(typed(kTaskInputInvalid,
                                   fmt::format("{} is not a READY result of asset {} in job {}",
                                               key, id.value, run.job.value),
                                   "Only a run whose every asset is READY is archived."));
    }
    // The original of a document is packed from the raw key derived from the ids, never from a
    // key a document names.
    work.items.push_back(core::ArchiveItem{.asset = id,
                                           .declared = parsed->declared,
                                           .raw_key = core::raw_key(run.listing, run.batch, id),
                                           .facts = parsed->facts,
                                           .renditions = std::move(parsed->renditions)});
  }
  media::PipelineContext pipeline{
      .store = deps.store, .multipart = deps.multipart, .work_root = deps.work_root, .limits = {}};
  auto built = media::build_archive(pipeline, work);
  if (!built) return std::unexpected(from_error(built.error()));
  const doc::ArchiveDocument zip{built->key, built->bytes, built->sha256_hex};
  std::vector<doc::ArchiveEntryRecord> entries;
  for (const auto& e : built->entries) {
    entries.push_back(doc::ArchiveEntryRecord{e.name, e.asset, e.bytes, e.sha256_hex});
  }
  auto written = doc::write_document(
      *deps.store, doc::archive_result_key(run),
      doc::archive_result_document(run, zip, entries, context.runner, deps.clock->now()));
  if (!written) return std::unexpected(from_error(written.error()));
  return doc::archive_task_result(run, zip);
}

}  // namespace toq::lambda

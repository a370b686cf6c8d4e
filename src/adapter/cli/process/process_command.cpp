#include "adapter/cli/process/process_command.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <unistd.h>

#include "core/model/object_keys.hpp"

#include "adapter/cli/process/input_files.hpp"
#include "adapter/cli/process/input_store.hpp"
#include "adapter/cli/process/process_item.hpp"
#include "adapter/cli/process/process_report.hpp"
#include "adapter/cli/process/progress_display.hpp"
#include "adapter/media/common/sniff.hpp"

namespace toq::cli {
namespace {

namespace fs = std::filesystem;

// The ids of the one synthetic listing, batch and job the command processes as.
constexpr core::ListingId kListing{1};
constexpr core::BatchId kBatch{1};
constexpr core::JobId kJob{1};

// Where the command works inside the output directory.
struct Workspace {
  fs::path out_dir;
  fs::path store_root;  // the scratch store
  fs::path work_root;   // the pipeline's work directories
};

// The declared type of a local file: what its bytes are (nothing was declared by a person).
core::MediaType type_from_bytes(const fs::path& path) {
  auto sniffed = media::sniff_file(path);
  if (sniffed && sniffed->media_class == media::MediaClass::kVideo) {
    return core::MediaType::kVideoHorizontal;
  }
  if (sniffed && sniffed->media_class == media::MediaClass::kDocument) {
    return core::MediaType::kProjectDoc;
  }
  return core::MediaType::kPhotoHorizontal;
}

class FileSink final : public core::ByteSink {
 public:
  explicit FileSink(const fs::path& path) : out_(path, std::ios::binary | std::ios::trunc) {}
  bool good() const { return out_.good(); }
  core::Status write(std::span<const std::byte> data) override {
    out_.write(reinterpret_cast<const char*>(data.data()),
               static_cast<std::streamsize>(data.size()));
    if (!out_) {
      return core::fail(core::ErrorCode::kStorageError, "writing an output file failed");
    }
    return {};
  }
  core::Status close() {
    out_.close();
    if (!out_) {
      return core::fail(core::ErrorCode::kStorageError, "closing an output file failed");
    }
    return {};
  }

 private:
  std::ofstream out_;
};

// Copies one object out of the store into `path` (written to a temp name, then renamed).
core::Status copy_out(core::ObjectStore& store, const std::string& key, const fs::path& path) {
  const auto tmp = fs::path(path.string() + ".part");
  {
    FileSink sink(tmp);
    if (!sink.good()) {
      return core::fail(core::ErrorCode::kStorageError,
                        fmt::format("cannot create {}", tmp.string()));
    }
    if (auto got = store.get(key, sink); !got) {
      return std::unexpected(got.error());
    }
    if (auto closed = sink.close(); !closed) {
      return closed;
    }
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    return core::fail(core::ErrorCode::kStorageError,
                      fmt::format("renaming {}: {}", tmp.string(), ec.message()));
  }
  return {};
}

// A file-system-friendly folder name for an input's renditions: "03-IMG_2907".
std::string folder_name(const ProcessItem& item) {
  auto stem = item.path.stem().string();
  for (auto& c : stem) {
    if (c == '/' || static_cast<unsigned char>(c) < 0x20) {
      c = '_';
    }
  }
  return fmt::format("{:02}-{}", item.index, stem.substr(0, 80));
}

int fail_setup(const core::Error& error) {
  fmt::print(stderr, "toq-media process: {}\n", error.message);
  if (!error.hint.empty()) {
    fmt::print(stderr, "hint: {}\n", error.hint);
  }
  return 2;
}

// A fresh scratch store and work directory; the renditions folder kept.
core::Status prepare(const Workspace& ws) {
  std::error_code ec;
  fs::create_directories(ws.out_dir / "renditions", ec);
  fs::remove_all(ws.store_root, ec);
  fs::remove_all(ws.work_root, ec);
  fs::create_directories(ws.work_root, ec);
  if (ec) {
    return core::fail(core::ErrorCode::kStorageError,
                      fmt::format("cannot use {}: {}", ws.out_dir.string(), ec.message()), {},
                      "Choose an output directory you can write to.");
  }
  return {};
}

// Every input becomes a raw upload, declared exactly as it is: adopted by the store under its
// raw key rather than copied in (input_store.hpp), its size and SHA-256 measured once here. The
// fetch step hashes the work copy it gets and the verify step compares that with this
// declaration, the one check of the bytes the pipeline reads.
core::Result<std::vector<ProcessItem>> ingest(const std::vector<InputFile>& inputs,
                                              InputStore& store) {
  std::vector<ProcessItem> items;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    ProcessItem item;
    item.index = static_cast<int>(i + 1);
    item.path = inputs[i].path;
    item.name = inputs[i].name;
    const core::AssetId asset{item.index};
    const auto raw_key = core::raw_key(kListing, kBatch, asset);
    auto stored = store.adopt(raw_key, item.path);
    if (!stored) return std::unexpected(stored.error());
    item.declared = core::FileDeclaration{.client_id = fmt::format("file-{}", item.index),
                                          .media_type = type_from_bytes(item.path),
                                          .filename = item.path.filename().string(),
                                          .content_type = "application/octet-stream",
                                          .bytes = stored->size,
                                          .checksum_sha256 = *stored->checksum_sha256,
                                          .title = item.path.stem().string(),
                                          .sequence = item.index};
    item.task = media::AssetTask{.listing = kListing,
                                 .batch = kBatch,
                                 .job = kJob,
                                 .asset = asset,
                                 .declared = item.declared,
                                 .raw_key = raw_key};
    items.push_back(std::move(item));
  }
  return items;
}

// One item through the pipeline, its progress shown.
void process_one(const media::PipelineContext& context, ProcessItem& item,
                 ProgressDisplay& progress) {
  progress.step(item, "starting");
  const auto started = std::chrono::steady_clock::now();
  auto outcome = media::process_asset(context, item.task, [&](std::string_view step) {
    progress.step(item, fmt::format("{} done", step));
  });
  item.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!outcome) {
    item.error = outcome.error();
    progress.done(item, false, item.error->message);
    return;
  }
  item.outcome = std::move(*outcome);
  progress.done(item, item.outcome->ready(),
                item.outcome->ready()
                    ? ""
                    : fmt::format("{}: {}", core::to_string(item.outcome->failure->code),
                                  item.outcome->failure->message));
}

// Every item, `jobs` at a time.
void process_all(const media::PipelineContext& context, std::vector<ProcessItem>& items, int jobs,
                 ProgressDisplay& progress) {
  std::atomic<std::size_t> next{0};
  const auto worker = [&] {
    for (auto i = next.fetch_add(1); i < items.size(); i = next.fetch_add(1)) {
      process_one(context, items[i], progress);
    }
  };
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < std::min<int>(jobs, static_cast<int>(items.size())); ++t) {
      threads.emplace_back(worker);
    }
  }
  progress.finish();
}

struct Exported {
  int status = 0;  // 1 when any item failed
  std::optional<media::ArchiveInfo> zip;
};

// Renditions out of the store, and the ZIP of what succeeded.
core::Result<Exported> export_results(const media::PipelineContext& context,
                                      std::vector<ProcessItem>& items, const fs::path& out_dir,
                                      const fs::path& zip_path) {
  Exported out;
  media::ArchiveRequest archive{.listing = kListing, .batch = kBatch, .job = kJob, .items = {}};
  for (auto& item : items) {
    if (!succeeded(item)) {
      out.status = 1;
      continue;
    }
    const auto folder = out_dir / "renditions" / folder_name(item);
    std::error_code ec;
    fs::create_directories(folder, ec);
    for (const auto& r : item.outcome->renditions) {
      const auto dest = folder / fs::path(r.key).filename();
      if (auto copied = copy_out(*context.store, r.key, dest); !copied) {
        return std::unexpected(copied.error());
      }
      item.copied.push_back(dest);
    }
    archive.items.push_back(media::ArchiveItem{.asset = item.task.asset,
                                               .declared = item.declared,
                                               .raw_key = item.task.raw_key,
                                               .facts = item.outcome->facts,
                                               .renditions = item.outcome->renditions});
  }
  if (archive.items.empty()) return out;
  auto built = media::build_archive(context, archive);
  if (!built) return std::unexpected(built.error());
  if (auto copied = copy_out(*context.store, built->key, zip_path); !copied) {
    return std::unexpected(copied.error());
  }
  out.zip = std::move(*built);
  return out;
}

}  // namespace

int run_process(const ProcessOptions& options, const OpenProcessPipeline& open_pipeline) {
  auto inputs = expand_inputs(options.inputs);
  if (!inputs) return fail_setup(inputs.error());
  const auto out_dir = fs::absolute(options.out_dir);
  const Workspace ws{out_dir, out_dir / ".store", out_dir / ".work"};
  if (auto ready = prepare(ws); !ready) return fail_setup(ready.error());
  auto pipeline = open_pipeline(ws.store_root, ws.work_root);
  if (!pipeline) return fail_setup(pipeline.error());
  InputStore store(*pipeline->context.store);
  media::PipelineContext context = pipeline->context;
  context.store = &store;
  context.file_copier = &store;
  auto items = ingest(*inputs, store);
  if (!items) return fail_setup(items.error());

  const int jobs = options.jobs > 0
                       ? options.jobs
                       : static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
  ProgressDisplay progress(items->size(), !options.quiet, ::isatty(STDERR_FILENO) == 1);
  process_all(context, *items, jobs, progress);

  const auto zip_path = out_dir / "midias.zip";
  auto exported = export_results(context, *items, out_dir, zip_path);
  if (!exported) return fail_setup(exported.error());
  if (auto written = write_report(*items, exported->zip, zip_path, out_dir); !written) {
    return fail_setup(written.error());
  }
  std::error_code ec;
  fs::remove_all(ws.store_root, ec);
  fs::remove_all(ws.work_root, ec);
  print_summary(*items, exported->zip, zip_path, out_dir);
  return exported->status;
}

}  // namespace toq::cli

// `toq-media process PATH... --out DIR [--jobs N]`: the media pipeline on local files (contract in
// commands.hpp). It runs the very steps the workers run, on a local object store inside the output
// directory, so what it shows is what the service does.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <fstream>
#include <map>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "core/model/object_keys.hpp"

#include "adapter/media/common/sniff.hpp"
#include "adapter/media/pipeline/file_digest.hpp"
#include "adapter/media/pipeline/pipeline.hpp"
#include "adapter/storage/local_object_store.hpp"
#include "app/commands.hpp"
#include "support/crypto/random.hpp"

namespace toq::app {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// The ids of the one synthetic listing, batch and job the command processes as.
constexpr core::ListingId kListing{1};
constexpr core::BatchId kBatch{1};
constexpr core::JobId kJob{1};

struct Item {
  int index = 0;  // 1-based, the input's position
  fs::path path;
  core::FileDeclaration declared;
  media::AssetTask task;
  std::optional<media::AssetOutcome> outcome;
  std::optional<core::Error> error;  // infrastructure failure
  std::vector<fs::path> copied;      // renditions copied to the output directory
  double seconds = 0;
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

// Progress on stderr: on a terminal one line per file being worked on plus an overall bar, redrawn
// in place; otherwise one plain line per finished file (logs and CI stay readable).
class Progress {
 public:
  Progress(std::size_t total, bool enabled)
      : total_(total), enabled_(enabled), tty_(enabled && ::isatty(STDERR_FILENO) == 1) {}

  void step(const Item& item, std::string_view step) {
    std::lock_guard lock(mutex_);
    active_[item.index] = fmt::format("{}: {}", item.path.filename().string(), step);
    draw_locked();
  }

  void done(const Item& item, bool ok, std::string_view detail) {
    std::lock_guard lock(mutex_);
    active_.erase(item.index);
    ++finished_;
    if (!ok) {
      ++failed_;
    }
    if (!enabled_) {
      return;
    }
    if (tty_) {
      clear_locked();
    }
    std::fprintf(stderr, "[%zu/%zu] %s %s%s%s\n", finished_, total_, ok ? "ok    " : "FAILED",
                 item.path.filename().c_str(), detail.empty() ? "" : ": ",
                 std::string(detail).c_str());
    draw_locked();
  }

  void finish() {
    std::lock_guard lock(mutex_);
    if (tty_) {
      clear_locked();
    }
  }

 private:
  void clear_locked() {
    for (int i = 0; i < drawn_; ++i) {
      std::fputs("\x1b[1A\x1b[2K", stderr);
    }
    drawn_ = 0;
  }

  void draw_locked() {
    if (!tty_) {
      return;
    }
    clear_locked();
    for (const auto& [index, text] : active_) {
      std::fprintf(stderr, "  working  %s\n", text.c_str());
      ++drawn_;
    }
    constexpr int kWidth = 30;
    const auto filled = total_ == 0 ? kWidth : static_cast<int>(finished_ * kWidth / total_);
    std::fprintf(stderr, "  [%s%s] %zu/%zu files, %zu failed\n",
                 std::string(static_cast<std::size_t>(filled), '#').c_str(),
                 std::string(static_cast<std::size_t>(kWidth - filled), '.').c_str(), finished_,
                 total_, failed_);
    ++drawn_;
    std::fflush(stderr);
  }

  std::mutex mutex_;
  std::size_t total_;
  bool enabled_;
  bool tty_;
  std::map<int, std::string> active_;
  std::size_t finished_ = 0;
  std::size_t failed_ = 0;
  int drawn_ = 0;
};

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
std::string folder_name(const Item& item) {
  auto stem = item.path.stem().string();
  for (auto& c : stem) {
    if (c == '/' || static_cast<unsigned char>(c) < 0x20) {
      c = '_';
    }
  }
  return fmt::format("{:02}-{}", item.index, stem.substr(0, 80));
}

json failure_json(const Item& item) {
  if (item.error) {
    return {{"code", core::to_string(item.error->code)},
            {"message", item.error->message},
            {"hint", item.error->hint},
            {"step", nullptr}};
  }
  const auto& f = *item.outcome->failure;
  return {{"code", core::to_string(f.code)},
          {"message", f.message},
          {"hint", f.hint},
          {"step", item.outcome->failed_step}};
}

bool succeeded(const Item& item) {
  return !item.error && item.outcome && item.outcome->ready();
}

// The type the file would be declared as: its kind from the bytes, its orientation as displayed.
std::string_view displayed_type(const Item& item) {
  const auto type = item.declared.media_type;
  if (!item.outcome || !item.outcome->facts.width || !item.outcome->facts.height) {
    return core::to_string(type);
  }
  const bool vertical = *item.outcome->facts.height > *item.outcome->facts.width;
  if (type == core::MediaType::kPhotoHorizontal && vertical) {
    return core::to_string(core::MediaType::kPhotoVertical);
  }
  if (type == core::MediaType::kVideoHorizontal && vertical) {
    return core::to_string(core::MediaType::kVideoVertical);
  }
  return core::to_string(type);
}

json item_json(const Item& item, const fs::path& out_dir) {
  json j = {{"input", item.path.string()},
            {"sequence", item.index},
            {"mediaType", displayed_type(item)},
            {"bytes", item.declared.bytes},
            {"status", succeeded(item) ? "READY" : "FAILED"},
            {"seconds", item.seconds}};
  if (item.outcome) {
    const auto& f = item.outcome->facts;
    j["format"] = f.format ? json(*f.format) : json(nullptr);
    j["width"] = f.width ? json(*f.width) : json(nullptr);
    j["height"] = f.height ? json(*f.height) : json(nullptr);
    j["durationSeconds"] =
        f.duration_ms ? json(static_cast<double>(*f.duration_ms) / 1000.0) : json(nullptr);
    j["codec"] = f.codec ? json(*f.codec) : json(nullptr);
    j["hdr"] = f.hdr;
    j["hasAudio"] = f.has_audio;
  }
  j["error"] = succeeded(item) ? json(nullptr) : failure_json(item);
  auto renditions = json::array();
  if (item.outcome) {
    for (std::size_t i = 0; i < item.outcome->renditions.size(); ++i) {
      const auto& r = item.outcome->renditions[i];
      renditions.push_back(
          {{"name", r.name},
           {"format", r.format},
           {"width", r.width},
           {"height", r.height},
           {"bytes", r.bytes},
           {"sha256", r.sha256_hex},
           {"path", i < item.copied.size() ? fs::relative(item.copied[i], out_dir).string()
                                           : std::string()}});
    }
  }
  j["renditions"] = std::move(renditions);
  return j;
}

std::string human_bytes(std::int64_t n) {
  if (n >= 1024LL * 1024 * 1024) {
    return fmt::format("{:.1f} GiB", static_cast<double>(n) / (1024.0 * 1024 * 1024));
  }
  if (n >= 1024LL * 1024) {
    return fmt::format("{:.1f} MiB", static_cast<double>(n) / (1024.0 * 1024));
  }
  if (n >= 1024) {
    return fmt::format("{:.1f} KiB", static_cast<double>(n) / 1024.0);
  }
  return fmt::format("{} B", n);
}

void print_summary(const std::vector<Item>& items, const std::optional<media::ArchiveInfo>& zip,
                   const fs::path& zip_path, const fs::path& out_dir) {
  std::size_t name_width = 4;
  for (const auto& item : items) {
    name_width =
        std::max(name_width, std::min<std::size_t>(40, item.path.filename().string().size()));
  }
  fmt::print("{:>3}  {:<{}}  {:<6}  {:<16}  {:>11}  {:>9}  {}\n", "#", "file", name_width, "result",
             "type", "size", "outputs", "detail");
  for (const auto& item : items) {
    std::string detail;
    std::string dims;
    if (succeeded(item)) {
      const auto& f = item.outcome->facts;
      if (f.width && f.height) {
        dims = fmt::format("{}x{}", *f.width, *f.height);
      }
      detail = fmt::format("{} {}", f.format.value_or(""), dims);
      if (f.duration_ms) {
        detail += fmt::format(" {:.1f}s", static_cast<double>(*f.duration_ms) / 1000.0);
      }
    } else {
      const auto j = failure_json(item);
      detail = fmt::format("{}: {}", j["code"].get<std::string>(), j["message"].get<std::string>());
    }
    auto name = item.path.filename().string();
    if (name.size() > name_width) {
      name = name.substr(0, name_width - 1) + "~";
    }
    fmt::print("{:>3}  {:<{}}  {:<6}  {:<16}  {:>11}  {:>9}  {}\n", item.index, name, name_width,
               succeeded(item) ? "ok" : "FAILED", displayed_type(item),
               human_bytes(item.declared.bytes), item.outcome ? item.outcome->renditions.size() : 0,
               detail);
  }
  const auto ok = std::count_if(items.begin(), items.end(), succeeded);
  fmt::print("\n{} of {} files processed, {} failed.\n", ok, items.size(),
             static_cast<std::ptrdiff_t>(items.size()) - ok);
  if (zip) {
    fmt::print("ZIP: {} ({}, {} entries, sha256 {})\n", zip_path.string(), human_bytes(zip->bytes),
               zip->entries.size(), zip->sha256_hex);
  }
  fmt::print("Report: {}\n", (out_dir / "report.json").string());
}

int fail_setup(const core::Error& error) {
  fmt::print(stderr, "toq-media process: {}\n", error.message);
  if (!error.hint.empty()) {
    fmt::print(stderr, "hint: {}\n", error.hint);
  }
  return 2;
}

}  // namespace

int command_process(const cli::ProcessOptions& options) {
  const auto out_dir = fs::absolute(options.out_dir);
  const auto store_root = out_dir / ".store";
  const auto work_root = out_dir / ".work";
  std::error_code ec;
  fs::create_directories(out_dir / "renditions", ec);
  fs::remove_all(store_root, ec);
  fs::remove_all(work_root, ec);
  fs::create_directories(work_root, ec);
  if (ec) {
    return fail_setup(
        core::make_error(core::ErrorCode::kStorageError,
                         fmt::format("cannot use {}: {}", out_dir.string(), ec.message()), {},
                         "Choose an output directory you can write to."));
  }
  core::SystemClock clock;
  auto secret = support::random_hex(32);
  if (!secret) {
    return fail_setup(secret.error());
  }
  storage::LocalStoreOptions store_options{
      .root = store_root,
      .public_base_url = "http://127.0.0.1",
      .credentials = {.access_key_id = "toq-process", .secret_access_key = *secret},
      .durable = false};  // a scratch store, removed at the end
  auto store = storage::LocalObjectStore::open(store_options, clock);
  if (!store) {
    return fail_setup(store.error());
  }

  // Every input becomes a raw upload, declared exactly as it is (size and SHA-256 measured).
  std::vector<Item> items;
  for (std::size_t i = 0; i < options.inputs.size(); ++i) {
    Item item;
    item.index = static_cast<int>(i + 1);
    item.path = options.inputs[i];
    auto digest = media::sha256_of_file(item.path);
    if (!digest) {
      return fail_setup(digest.error());
    }
    const core::AssetId asset{item.index};
    item.declared = core::FileDeclaration{.client_id = fmt::format("file-{}", item.index),
                                          .media_type = type_from_bytes(item.path),
                                          .filename = item.path.filename().string(),
                                          .content_type = "application/octet-stream",
                                          .bytes = digest->bytes,
                                          .checksum_sha256 = digest->base64,
                                          .title = item.path.stem().string(),
                                          .sequence = item.index};
    item.task = media::AssetTask{.listing = kListing,
                                 .batch = kBatch,
                                 .job = kJob,
                                 .asset = asset,
                                 .declared = item.declared,
                                 .raw_key = core::raw_key(kListing, kBatch, asset)};
    auto source = media::open_file_source(item.path);
    if (!source) {
      return fail_setup(source.error());
    }
    core::PutOptions put{.content_length = digest->bytes, .checksum_sha256 = digest->base64};
    if (auto stored = (*store)->put(item.task.raw_key, **source, put); !stored) {
      return fail_setup(stored.error());
    }
    items.push_back(std::move(item));
  }

  media::PipelineContext context{.store = store->get(),
                                 .multipart = store->get(),
                                 .work_root = work_root,
                                 .limits = {},
                                 .enforce_declared_orientation = false};
  const int jobs = options.jobs > 0
                       ? options.jobs
                       : static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
  Progress progress(items.size(), !options.quiet);
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (;;) {
      const auto i = next.fetch_add(1);
      if (i >= items.size()) {
        return;
      }
      auto& item = items[i];
      progress.step(item, "starting");
      const auto started = std::chrono::steady_clock::now();
      auto outcome = media::process_asset(context, item.task, [&](std::string_view step) {
        progress.step(item, fmt::format("{} done", step));
      });
      item.seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      if (!outcome) {
        item.error = outcome.error();
        progress.done(item, false, item.error->message);
        continue;
      }
      item.outcome = std::move(*outcome);
      progress.done(item, item.outcome->ready(),
                    item.outcome->ready()
                        ? ""
                        : fmt::format("{}: {}", core::to_string(item.outcome->failure->code),
                                      item.outcome->failure->message));
    }
  };
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < std::min<int>(jobs, static_cast<int>(items.size())); ++t) {
      threads.emplace_back(worker);
    }
  }
  progress.finish();

  // Renditions out of the store, the ZIP of what succeeded, the report.
  int status = 0;
  media::ArchiveRequest archive{.listing = kListing, .batch = kBatch, .job = kJob, .items = {}};
  for (auto& item : items) {
    if (!succeeded(item)) {
      status = 1;
      continue;
    }
    const auto folder = out_dir / "renditions" / folder_name(item);
    fs::create_directories(folder, ec);
    for (const auto& r : item.outcome->renditions) {
      const auto dest = folder / fs::path(r.key).filename();
      if (auto copied = copy_out(**store, r.key, dest); !copied) {
        return fail_setup(copied.error());
      }
      item.copied.push_back(dest);
    }
    archive.items.push_back(media::ArchiveItem{.asset = item.task.asset,
                                               .declared = item.declared,
                                               .raw_key = item.task.raw_key,
                                               .facts = item.outcome->facts,
                                               .renditions = item.outcome->renditions});
  }
  std::optional<media::ArchiveInfo> zip;
  const auto zip_path = out_dir / "midias.zip";
  if (!archive.items.empty()) {
    auto built = media::build_archive(context, archive);
    if (!built) {
      return fail_setup(built.error());
    }
    if (auto copied = copy_out(**store, built->key, zip_path); !copied) {
      return fail_setup(copied.error());
    }
    zip = std::move(*built);
  }
  json report = {{"files", json::array()}};
  for (const auto& item : items) {
    report["files"].push_back(item_json(item, out_dir));
  }
  const auto ok = std::count_if(items.begin(), items.end(), succeeded);
  report["summary"] = {{"total", items.size()},
                       {"ready", ok},
                       {"failed", static_cast<std::ptrdiff_t>(items.size()) - ok}};
  report["zip"] = zip ? json{{"path", zip_path.filename().string()},
                             {"bytes", zip->bytes},
                             {"sha256", zip->sha256_hex},
                             {"entries", zip->entries}}
                      : json(nullptr);
  {
    std::ofstream out(out_dir / "report.json", std::ios::trunc);
    out << report.dump(2) << "\n";
    if (!out) {
      return fail_setup(
          core::make_error(core::ErrorCode::kStorageError, "cannot write report.json"));
    }
  }
  fs::remove_all(store_root, ec);
  fs::remove_all(work_root, ec);
  print_summary(items, zip, zip_path, out_dir);
  return status;
}

}  // namespace toq::app

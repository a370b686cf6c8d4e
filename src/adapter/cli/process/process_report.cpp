#include "adapter/cli/process/process_report.hpp"

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace toq::cli {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

json failure_json(const ProcessItem& item) {
  const auto failure = failure_of(item);
  return {{"code", failure.code},
          {"message", failure.message},
          {"hint", failure.hint},
          {"step", failure.step ? json(*failure.step) : json(nullptr)}};
}

// The ZIP's entry names, in archive order.
json entry_names(const std::vector<media::ArchiveEntry>& entries) {
  json out = json::array();
  for (const auto& e : entries) out.push_back(e.name);
  return out;
}

json item_json(const ProcessItem& item, const fs::path& out_dir) {
  json j = {{"input", item.path.string()},  {"name", item.name},
            {"sequence", item.index},       {"mediaType", displayed_type(item)},
            {"bytes", item.declared.bytes}, {"status", succeeded(item) ? "READY" : "FAILED"},
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

}  // namespace

core::Status write_report(const std::vector<ProcessItem>& items,
                          const std::optional<media::ArchiveInfo>& zip, const fs::path& zip_path,
                          const fs::path& out_dir) {
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
                             {"entries", entry_names(zip->entries)}}
                      : json(nullptr);
  {
    std::ofstream out(out_dir / "report.json", std::ios::trunc);
    out << report.dump(2) << "\n";
    if (!out) {
      return core::fail(core::ErrorCode::kStorageError, "cannot write report.json");
    }
  }
  return {};
}

void print_summary(const std::vector<ProcessItem>& items,
                   const std::optional<media::ArchiveInfo>& zip, const fs::path& zip_path,
                   const fs::path& out_dir) {
  std::size_t name_width = 4;
  for (const auto& item : items) {
    name_width = std::max(name_width, std::min<std::size_t>(40, item.name.size()));
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
      const auto failure = failure_of(item);
      detail = fmt::format("{}: {}", failure.code, failure.message);
    }
    auto name = item.name;
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

}  // namespace toq::cli

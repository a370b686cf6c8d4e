#include "support/json/log_ids.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace toq::support {
namespace {

// JSON name -> log name; the one table of the service.
constexpr std::pair<const char*, const char*> kNames[] = {{"listingIdentityId", "listing_id"},
                                                          {"listingId", "listing_id"},
                                                          {"batchId", "batch_id"},
                                                          {"jobId", "job_id"},
                                                          {"assetId", "asset_id"}};

void add_named(LogIds& ids, std::string_view log_name, std::int64_t value) {
  const bool known = std::ranges::any_of(ids, [&](const auto& id) { return id.first == log_name; });
  if (!known) ids.emplace_back(log_name, value);
}

void add_top_level(const nlohmann::json& doc, LogIds& ids) {
  for (const auto& [json_name, log_name] : kNames) {
    const auto it = doc.find(json_name);
    if (it == doc.end() || !it->is_number_integer()) continue;
    add_named(ids, log_name, it->get<std::int64_t>());
  }
}

}  // namespace

void add_log_ids(const nlohmann::json& doc, LogIds& ids) {
  if (!doc.is_object()) return;
  add_top_level(doc, ids);
  const auto asset = doc.find("asset");
  if (asset != doc.end() && asset->is_object()) add_top_level(*asset, ids);
}

void add_log_id(LogIds& ids, std::string_view json_name, std::int64_t value) {
  for (const auto& [name, log_name] : kNames) {
    if (json_name == name) add_named(ids, log_name, value);
  }
}

LogIds log_ids(const nlohmann::json& doc) {
  LogIds ids;
  add_log_ids(doc, ids);
  return ids;
}

}  // namespace toq::support

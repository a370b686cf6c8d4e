#include "app/worker_events.hpp"

#include <nlohmann/json.hpp>

namespace toq::app {

namespace {

constexpr const char* kJobStarted = "job_started";
constexpr const char* kJobFinished = "job_finished";
constexpr const char* kAssetFailed = "asset_failed";
constexpr const char* kAssetDone = "asset_done";

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};

}  // namespace

std::string encode_event(const JobEvent& event) {
  const nlohmann::json line = std::visit(
      Overloaded{
          [](const JobStarted&) {
            return nlohmann::json{{"event", kJobStarted}};
          },
          [](const JobFinished& e) {
            return nlohmann::json{{"event", kJobFinished}, {"end", e.end}, {"seconds", e.seconds}};
          },
          [](const AssetFailed& e) {
            return nlohmann::json{{"event", kAssetFailed}, {"code", e.code}};
          },
          [](const AssetDone& e) {
            return nlohmann::json{{"event", kAssetDone}, {"kind", e.kind}, {"seconds", e.seconds}};
          },
      },
      event);
  return line.dump() + "\n";
}

std::optional<JobEvent> decode_event(std::string_view line) {
  const auto json = nlohmann::json::parse(line, nullptr, false);
  if (!json.is_object()) return std::nullopt;
  try {
    const auto what = json.value("event", "");
    if (what == kJobStarted) return JobStarted{};
    if (what == kJobFinished) {
      return JobFinished{.end = json.value("end", ""), .seconds = json.value("seconds", 0.0)};
    }
    if (what == kAssetFailed) return AssetFailed{.code = json.value("code", "INTERNAL_ERROR")};
    if (what == kAssetDone) {
      return AssetDone{.kind = json.value("kind", "unknown"),
                       .seconds = json.value("seconds", 0.0)};
    }
  } catch (const nlohmann::json::exception&) {
    // A field of the wrong type: not an event line of this protocol.
  }
  return std::nullopt;
}

}  // namespace toq::app

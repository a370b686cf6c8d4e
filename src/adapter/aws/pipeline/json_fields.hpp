#pragma once
// What the processing contract's document readers and writers share (documents.cpp,
// asset_documents.cpp): strict JSON field readers that throw Bad on a contract violation, turned
// into INVALID_REQUEST by guarded(); the run context every document starts with; the contract's
// step names and asset codes. Internal to adapter/aws/pipeline.

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/model/client_codes.hpp"
#include "core/model/error.hpp"

#include "adapter/aws/pipeline/documents.hpp"

namespace toq::aws::pipeline::detail {

using core::ErrorCode;
using json = nlohmann::json;
using ordered = nlohmann::ordered_json;

inline constexpr std::int64_t kMaxId = 9007199254740991;  // 2^53 - 1: a double holds it exactly

// A contract violation found while reading; turned into INVALID_REQUEST at the parse function.
struct Bad {
  std::string what;
};

inline std::string dump(const ordered& j) {
  return j.dump(-1, ' ', false, ordered::error_handler_t::replace);
}

inline json parse_object(std::string_view text, std::string_view what) {
  auto j = json::parse(text, nullptr, false);
  if (j.is_discarded()) throw Bad{fmt::format("{} is not JSON", what)};
  if (!j.is_object()) throw Bad{fmt::format("{} is not a JSON object", what)};
  return j;
}

inline const json& field(const json& o, std::string_view key, std::string_view path) {
  if (!o.is_object()) throw Bad{fmt::format("{} is not an object", path)};
  const auto it = o.find(key);
  if (it == o.end()) throw Bad{fmt::format("{}.{} is missing", path, key)};
  return *it;
}

inline std::int64_t integer(const json& o, std::string_view key, std::string_view path,
                            std::int64_t min, std::int64_t max) {
  const json& v = field(o, key, path);
  if (!v.is_number_integer()) throw Bad{fmt::format("{}.{} is not an integer", path, key)};
  const auto n = v.get<std::int64_t>();
  if (n < min || n > max) {
    throw Bad{fmt::format("{}.{} = {} is outside {}..{}", path, key, n, min, max)};
  }
  return n;
}

inline std::int64_t id(const json& o, std::string_view key, std::string_view path) {
  return integer(o, key, path, 1, kMaxId);
}

inline std::string text(const json& o, std::string_view key, std::string_view path) {
  const json& v = field(o, key, path);
  if (!v.is_string()) throw Bad{fmt::format("{}.{} is not a string", path, key)};
  return v.get<std::string>();
}

inline std::optional<std::string> optional_text(const json& o, std::string_view key) {
  const auto it = o.find(key);
  if (it == o.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) throw Bad{fmt::format("{} is not a string", key)};
  return it->get<std::string>();
}

template <class T>
inline core::Result<T> guarded(std::string_view what, const std::function<T()>& read) {
  try {
    return read();
  } catch (const Bad& b) {
    return core::fail(ErrorCode::kInvalidRequest, fmt::format("{}: {}", what, b.what));
  } catch (const json::exception& e) {
    return core::fail(ErrorCode::kInvalidRequest, fmt::format("{}: {}", what, e.what()));
  }
}

inline void put_context(ordered& j, const RunContext& r) {
  j["version"] = kContractVersion;
  j["jobId"] = r.job.value;
  j["batchId"] = r.batch.value;
  j["listingId"] = r.listing.value;
  j["run"] = r.run;
}

inline std::string_view contract_step(std::string_view step) {
  static constexpr std::array kSteps = {"input",  "fetch", "verify", "detect",  "probe", "plan",
                                        "render", "store", "result", "archive", "report"};
  for (const auto* s : kSteps) {
    if (step == s) return s;
  }
  return "render";
}

inline std::string asset_code_text(ErrorCode code) {
  return std::string(core::to_string(core::client_asset_code(code)));
}

}  // namespace toq::aws::pipeline::detail

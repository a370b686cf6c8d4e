// The asset and archive result documents (docs/aws-pipeline.md, "Result documents"): written by
// the asset and archive tasks, read back by the report task and serve's callback.

#include <algorithm>
#include <chrono>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/model/media_type.hpp"
#include "core/model/object_keys.hpp"

#include "adapter/aws/pipeline/documents.hpp"
#include "adapter/aws/pipeline/json_fields.hpp"

namespace toq::aws::pipeline {

using namespace detail;  // NOLINT(google-build-using-namespace): this module's own helpers

namespace {

ordered declared_json(const core::FileDeclaration& d) {
  ordered j;
  j["clientId"] = d.client_id;
  j["mediaType"] = core::to_string(d.media_type);
  j["sequence"] = d.sequence;
  j["title"] = d.title;
  j["filename"] = d.filename;
  j["contentType"] = d.content_type;
  j["bytes"] = d.bytes;
  j["checksumSha256"] = d.checksum_sha256;
  return j;
}

template <class T>
ordered nullable(const std::optional<T>& v) {
  return v ? ordered(*v) : ordered(nullptr);
}

// The contract's rotation is clockwise degrees (0, 90, 180, 270); anything else is unknown.
ordered rotation_json(const std::optional<std::int32_t>& r) {
  if (r && (*r == 0 || *r == 90 || *r == 180 || *r == 270)) return *r;
  return nullptr;
}

core::FileDeclaration read_declared(const json& decl) {
  core::FileDeclaration d;
  d.client_id = text(decl, "clientId", "$.declared");
  const auto type = core::parse_media_type(text(decl, "mediaType", "$.declared"));
  if (!type) throw Bad{"$.declared.mediaType is not a media type"};
  d.media_type = *type;
  d.sequence = integer(decl, "sequence", "$.declared", 1, 2147483647);
  d.title = text(decl, "title", "$.declared");
  d.filename = text(decl, "filename", "$.declared");
  d.content_type = text(decl, "contentType", "$.declared");
  d.bytes = integer(decl, "bytes", "$.declared", 1, std::int64_t{5} << 40);
  d.checksum_sha256 = text(decl, "checksumSha256", "$.declared");
  return d;
}

core::MediaFacts read_facts(const json& f) {
  auto opt_int = [&](const char* key) -> std::optional<std::int64_t> {
    const auto& v = field(f, key, "$.facts");
    if (v.is_null()) return std::nullopt;
    if (!v.is_number_integer()) throw Bad{fmt::format("$.facts.{} is not an integer", key)};
    return v.get<std::int64_t>();
  };
  core::MediaFacts facts;
  if (auto w = opt_int("width")) facts.width = static_cast<std::int32_t>(*w);
  if (auto h = opt_int("height")) facts.height = static_cast<std::int32_t>(*h);
  facts.duration_ms = opt_int("durationMs");
  if (auto r = opt_int("rotation")) facts.rotation = static_cast<std::int32_t>(*r);
  facts.format = optional_text(f, "format");
  facts.codec = optional_text(f, "codec");
  facts.hdr = field(f, "hdr", "$.facts").get<bool>();
  facts.has_audio = field(f, "hasAudio", "$.facts").get<bool>();
  return facts;
}

// Each rendition must lie under the asset's output prefix.
std::vector<core::Rendition> read_renditions(const json& renditions,
                                             const core::AssetResultDocument& d) {
  if (!renditions.is_array()) throw Bad{"$.renditions is not an array"};
  const auto prefix =
      core::job_output_prefix(d.listing, d.batch, d.job) + fmt::format("{}/", d.asset.value);
  std::vector<core::Rendition> out;
  for (std::size_t i = 0; i < renditions.size(); ++i) {
    const auto path = fmt::format("$.renditions[{}]", i);
    const auto& r = renditions[i];
    core::Rendition x;
    x.asset_id = d.asset;
    x.job_id = d.job;
    x.name = text(r, "name", path);
    x.format = text(r, "format", path);
    x.width = static_cast<std::int32_t>(integer(r, "width", path, 1, 1 << 20));
    x.height = static_cast<std::int32_t>(integer(r, "height", path, 1, 1 << 20));
    x.bytes = integer(r, "bytes", path, 1, std::int64_t{5} << 40);
    x.key = text(r, "key", path);
    x.sha256_hex = text(r, "sha256", path);
    if (!x.key.starts_with(prefix)) {
      throw Bad{fmt::format("{}.key '{}' is not under the asset's output prefix", path, x.key)};
    }
    out.push_back(std::move(x));
  }
  return out;
}

core::AssetFailure read_failure(const json& x) {
  const auto code = core::parse_error_code(text(x, "code", "$.failure"));
  core::AssetFailure failure;
  failure.code = code.value_or(ErrorCode::kInternal);
  failure.message = text(x, "message", "$.failure");
  failure.hint = text(x, "hint", "$.failure");
  core::ToolDiagnostics tool;
  if (auto e = x.find("exitStatus"); e != x.end() && e->is_number_integer()) {
    tool.exit_status = e->get<int>();
  }
  tool.tail = optional_text(x, "diagnosticsTail").value_or("");
  if (tool.exit_status || !tool.tail.empty()) failure.tool = tool;
  return failure;
}

}  // namespace

std::string asset_result_document(const AssetTaskInput& input, const core::AssetWorkResult& outcome,
                                  std::string_view runner, core::Timestamp finished_at,
                                  std::optional<std::chrono::milliseconds> processing) {
  ordered j;
  put_context(j, input.run);
  j["assetId"] = input.asset.asset.value;
  j["status"] = outcome.ready() ? "READY" : "FAILED";
  j["runner"] = runner;
  j["finishedAt"] = core::format_rfc3339(std::chrono::floor<std::chrono::seconds>(finished_at));
  if (processing) j["processingMs"] = std::max<std::int64_t>(0, processing->count());
  j["declared"] = declared_json(input.asset.declared);
  const auto& f = outcome.facts;
  ordered facts;
  facts["width"] = f.width && *f.width > 0 ? ordered(*f.width) : ordered(nullptr);
  facts["height"] = f.height && *f.height > 0 ? ordered(*f.height) : ordered(nullptr);
  facts["durationMs"] = nullable(f.duration_ms);
  facts["format"] = f.format ? ordered(cut_utf8(*f.format, 64)) : ordered(nullptr);
  facts["codec"] = f.codec ? ordered(cut_utf8(*f.codec, 64)) : ordered(nullptr);
  facts["rotation"] = rotation_json(f.rotation);
  facts["hdr"] = f.hdr;
  facts["hasAudio"] = f.has_audio;
  j["facts"] = std::move(facts);
  auto renditions = ordered::array();
  if (outcome.ready()) {
    for (const auto& r : outcome.renditions) {
      ordered x;
      x["name"] = r.name;
      x["format"] = r.format;
      x["width"] = r.width;
      x["height"] = r.height;
      x["bytes"] = r.bytes;
      x["key"] = r.key;
      x["sha256"] = r.sha256_hex;
      renditions.push_back(std::move(x));
    }
  }
  j["renditions"] = std::move(renditions);
  if (outcome.failure) {
    const auto& failure = *outcome.failure;
    ordered x;
    x["code"] = asset_code_text(failure.code);
    x["message"] =
        cut_utf8(failure.message.empty() ? std::string("(no message)") : failure.message, 2048);
    x["hint"] = cut_utf8(failure.hint, 512);
    x["step"] = contract_step(outcome.failed_step);
    x["exitStatus"] = failure.tool && failure.tool->exit_status &&
                              *failure.tool->exit_status >= 0 && *failure.tool->exit_status <= 255
                          ? ordered(*failure.tool->exit_status)
                          : ordered(nullptr);
    x["signal"] = failure.tool && failure.tool->signal ? ordered(signal_name(*failure.tool->signal))
                                                       : ordered(nullptr);
    x["diagnosticsTail"] = failure.tool && !failure.tool->tail.empty()
                               ? ordered(cut_utf8(failure.tool->tail, kMaxDiagnosticsChars))
                               : ordered(nullptr);
    j["failure"] = std::move(x);
  }
  return dump(j);
}

core::Result<core::AssetResultDocument> parse_asset_result_document(std::string_view text_in) {
  return guarded<core::AssetResultDocument>("the asset result document", [&] {
    const auto j = parse_object(text_in, "the document");
    if (integer(j, "version", "$", 0, 1000) != kContractVersion) throw Bad{"$.version is not 1"};
    core::AssetResultDocument d;
    d.job = core::JobId{id(j, "jobId", "$")};
    d.batch = core::BatchId{id(j, "batchId", "$")};
    d.listing = core::ListingId{id(j, "listingId", "$")};
    d.run = static_cast<std::int32_t>(integer(j, "run", "$", 1, 2147483647));
    d.asset = core::AssetId{id(j, "assetId", "$")};
    const auto status = text(j, "status", "$");
    if (status != "READY" && status != "FAILED") throw Bad{"$.status is not READY or FAILED"};
    d.ready = status == "READY";
    d.runner = text(j, "runner", "$");
    // Optional: a document written before the field existed still records, without a duration.
    if (j.contains("processingMs")) {
      d.processing = std::chrono::milliseconds{integer(j, "processingMs", "$", 0, kMaxId)};
    }
    d.declared = read_declared(field(j, "declared", "$"));
    d.facts = read_facts(field(j, "facts", "$"));
    d.renditions = read_renditions(field(j, "renditions", "$"), d);
    if (d.ready && d.renditions.empty()) throw Bad{"a READY document lists no rendition"};
    if (!d.ready) {
      const auto& x = field(j, "failure", "$");
      d.failure = read_failure(x);
      d.failed_step = text(x, "step", "$.failure");
    }
    return d;
  });
}

std::string archive_result_document(const RunContext& run, const ArchiveDocument& zip,
                                    const std::vector<ArchiveEntryRecord>& entries,
                                    std::string_view runner, core::Timestamp finished_at) {
  ordered j;
  put_context(j, run);
  j["key"] = zip.key;
  j["bytes"] = zip.bytes;
  j["sha256"] = zip.sha256_hex;
  j["runner"] = runner;
  j["finishedAt"] = core::format_rfc3339(std::chrono::floor<std::chrono::seconds>(finished_at));
  auto list = ordered::array();
  for (const auto& e : entries) {
    ordered x;
    x["name"] = e.name;
    x["assetId"] = e.asset ? ordered(e.asset->value) : ordered(nullptr);
    x["bytes"] = e.bytes;
    x["sha256"] = e.sha256_hex;
    list.push_back(std::move(x));
  }
  j["entries"] = std::move(list);
  return dump(j);
}

core::Result<ArchiveDocument> parse_archive_result_document(std::string_view text_in) {
  return guarded<ArchiveDocument>("the archive result document", [&] {
    const auto j = parse_object(text_in, "the document");
    if (integer(j, "version", "$", 0, 1000) != kContractVersion) throw Bad{"$.version is not 1"};
    return ArchiveDocument{text(j, "key", "$"), integer(j, "bytes", "$", 22, std::int64_t{1} << 50),
                           text(j, "sha256", "$")};
  });
}

}  // namespace toq::aws::pipeline

#include "core/model/execution_input.hpp"

#include <fmt/format.h>

#include "core/model/media_type.hpp"

#include "support/json_string.hpp"

namespace toq::core {

std::string_view to_string(ArchiveRunner runner) {
  return runner == ArchiveRunner::kFargate ? "fargate" : "lambda";
}

std::string serialize_execution_input(const ExecutionInput& in) {
  std::string out = fmt::format(
      R"({{"version":{},"jobId":{},"batchId":{},"listingId":{},"run":{},"bucket":{},)"
      R"("outputPrefix":{},"traceparent":{},"maxConcurrency":{},"archiveRunner":{},"assets":[)",
      in.version, in.job.value, in.batch.value, in.listing.value, in.run,
      support::json_stringify_quote(in.bucket), support::json_stringify_quote(in.output_prefix),
      support::json_stringify_quote(in.traceparent), in.max_concurrency,
      support::json_stringify_quote(to_string(in.archive_runner)));
  bool first = true;
  for (const auto& a : in.assets) {
    if (!first) out.push_back(',');
    first = false;
    const auto& d = a.declared;
    out += fmt::format(
        R"({{"assetId":{},"clientId":{},"mediaType":{},"rawKey":{},"bytes":{},)"
        R"("checksumSha256":{},"contentType":{},"sequence":{},"title":{},"filename":{}}})",
        a.asset.value, support::json_stringify_quote(d.client_id),
        support::json_stringify_quote(to_string(d.media_type)),
        support::json_stringify_quote(a.raw_key), d.bytes,
        support::json_stringify_quote(d.checksum_sha256),
        support::json_stringify_quote(d.content_type), d.sequence,
        support::json_stringify_quote(d.title), support::json_stringify_quote(d.filename));
  }
  out += "]}";
  return out;
}

}  // namespace toq::core

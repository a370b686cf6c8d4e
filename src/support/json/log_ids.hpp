#pragma once
// The ids a JSON document names, under the names every log line uses for them, so one grep over
// the API's access log, the webhook delivery log and the Lambda's log finds the same batch.
//
// Contract of add_log_ids():
// - Looks at the top level of `doc` and, when present, its "asset" object (the asset task's
//   input); anything that is not an object adds nothing.
// - Maps these JSON names (the API contract's and the pipeline documents') to log names:
//     listingIdentityId, listingId -> listing_id;  batchId -> batch_id;  jobId -> job_id;
//     assetId -> asset_id.
//   Only integer values count (an id written as a string or a float is left out).
// - An id already in `ids` is kept: the first document that names it wins.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace toq::support {

using LogIds = std::vector<std::pair<std::string, std::int64_t>>;

void add_log_ids(const nlohmann::json& doc, LogIds& ids);

// One id under its JSON name (the names above), for a document written without a tree; another
// name adds nothing, and an id already in `ids` is kept.
void add_log_id(LogIds& ids, std::string_view json_name, std::int64_t value);

// add_log_ids() on one document into an empty list.
LogIds log_ids(const nlohmann::json& doc);

}  // namespace toq::support

#include "core/service/batch_event.hpp"

#include <fmt/format.h>

#include "support/json_string.hpp"

namespace toq::core {

std::string batch_event_id(JobId job, bool ready) {
  return fmt::format("msg_job{}_{}", job.value, ready ? "ready" : "failed");
}

std::string batch_event_payload(std::string_view type, ListingId listing, BatchId batch, JobId job,
                                Timestamp occurred_at, std::string_view listing_status) {
  using support::json_quote;
  return fmt::format(
      R"({{"type":{},"listingIdentityId":{},"batchId":{},"jobId":{},"occurredAt":{},"listingStatus":{}}})",
      json_quote(type), listing.value, batch.value, job.value,
      json_quote(format_rfc3339(occurred_at)), json_quote(listing_status));
}

}  // namespace toq::core

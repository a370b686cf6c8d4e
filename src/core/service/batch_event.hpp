#pragma once
// The outbound event a finished job announces (api-contract.md, "Webhooks out"), as it goes into
// the outbox in the transaction that finishes the job.

#include <string>
#include <string_view>

#include "core/model/ids.hpp"
#include "core/model/time.hpp"

namespace toq::core {

inline constexpr std::string_view kBatchReadyEvent = "media.batch.ready";
inline constexpr std::string_view kBatchFailedEvent = "media.batch.failed";

// The webhook-id of a job's event, stable per job end: "msg_job77_ready" / "msg_job77_failed".
std::string batch_event_id(JobId job, bool ready);

// The body, minified, fields in the contract's order: {"type", "listingIdentityId", "batchId",
// "jobId", "occurredAt" (RFC 3339), "listingStatus"}; ids are JSON integers.
std::string batch_event_payload(std::string_view type, ListingId listing, BatchId batch, JobId job,
                                Timestamp occurred_at, std::string_view listing_status);

}  // namespace toq::core

#pragma once
// The outputs a caller may fetch for a listing: what POST .../downloads and the HLS playlist route
// share, so both answer the same callers with the same job's outputs. Call inside a transaction.
//
// In this order: the listing exists (LISTING_NOT_FOUND); the caller may download (FORBIDDEN:
// owner, photographer, admin; a client only while the listing is PUBLISHED, access_policy.hpp);
// the batch: `batch` when given (BATCH_NOT_FOUND when missing, soft-deleted, another listing's,
// or, for a client, not the listing's current batch), else the listing's current batch (the
// newest with a SUCCEEDED job); the outputs are those of that batch's newest SUCCEEDED job,
// whatever the batch's status now. nullopt when there is no such batch or job.

#include <optional>

#include "core/model/batch.hpp"
#include "core/model/error.hpp"
#include "core/model/ids.hpp"
#include "core/model/job.hpp"
#include "core/model/principal.hpp"
#include "core/port/database.hpp"

namespace toq::core {

struct PublishedOutputs {
  Batch batch;
  Job job;  // SUCCEEDED
};

Result<std::optional<PublishedOutputs>> find_published_outputs(UnitOfWork& uow,
                                                               const Principal& caller,
                                                               ListingId listing,
                                                               std::optional<BatchId> batch);

}  // namespace toq::core

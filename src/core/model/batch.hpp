#pragma once
// Batch: one upload session of a listing.

#include <optional>
#include <string>

#include "core/model/ids.hpp"
#include "core/model/status.hpp"
#include "core/model/time.hpp"

namespace toq::core {

struct Batch {
  BatchId id;
  ListingId listing_id;
  std::string reference;  // the client's batchReference, may be empty
  BatchStatus status = BatchStatus::kPendingUpload;
  UserId created_by;
  Timestamp created_at{};
  Timestamp updated_at{};
  Timestamp expires_at{};               // when the upload URLs handed out at creation expire
  std::optional<Timestamp> deleted_at;  // soft delete keeps history
  // When the raw uploads (objects and multipart uploads) of this closed batch were removed.
  std::optional<Timestamp> raw_removed_at;
  // When every object of this deleted batch (raw uploads, renditions, ZIPs) was removed.
  std::optional<Timestamp> objects_removed_at;
  friend bool operator==(const Batch&, const Batch&) = default;
};

}  // namespace toq::core

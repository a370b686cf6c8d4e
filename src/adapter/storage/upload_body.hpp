#pragma once
// The body of an authorized PUT on /storage/..., streaming into the store as it arrives.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "adapter/storage/pending_write.hpp"
#include "adapter/storage/s3_responses.hpp"
#include "adapter/storage/storage_messages.hpp"
#include "support/uri.hpp"

namespace toq::storage {

// Exactly `declared` bytes go into `pending`; finish() commits them and answers 200 with the ETag
// (and the checksum, when one was signed), or S3's error with nothing stored. `cors` headers are
// added to the final response, which carries `request_id`; the cause of a 5xx goes to `report`.
std::unique_ptr<UploadBody> make_upload_body(std::unique_ptr<PendingWrite> pending,
                                             std::int64_t declared, std::string key,
                                             std::optional<std::string> checksum,
                                             support::Params cors, std::string request_id,
                                             FailureReporter report);

}  // namespace toq::storage

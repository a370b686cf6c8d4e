#include "core/service/reprocess_batch.hpp"

#include "core/service/access_policy.hpp"

namespace toq::core {

Status ReprocessBatch::authorize(const Principal& caller) {
  return authorize_admin(caller, "reprocess batches");
}

Result<RetryBatchOutput> ReprocessBatch::run(const RetryBatchInput& input) {
  if (auto ok = authorize(input.caller); !ok) {
    return std::unexpected(ok.error());
  }
  return retry_.run(input);
}

}  // namespace toq::core

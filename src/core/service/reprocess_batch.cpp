#include "core/service/reprocess_batch.hpp"

#include "core/service/access_policy.hpp"

namespace toq::core {

Result<RetryBatchOutput> ReprocessBatch::run(const RetryBatchInput& input) {
  if (auto ok = authorize_admin(input.caller, "reprocess batches"); !ok) {
    return std::unexpected(ok.error());
  }
  return retry_.run(input);
}

}  // namespace toq::core

#include "adapter/aws/pipeline/documents.hpp"
#include "adapter/http/handlers/api_handlers.hpp"

namespace toq::http::handlers {

HandlerResult handle_processing_callback(const ApiServices& services, const ApiRequest& request) {
  auto header = [&](const char* name) {
    const auto it = request.headers.find(name);
    return it == request.headers.end() ? std::string() : it->second;
  };
  const SignatureHeaders signature{header("webhook-id"), header("webhook-timestamp"),
                                   header("webhook-signature")};
  // The raw body is what was signed: verified before it is parsed.
  if (auto verified = services.verify_callback(signature, request.body); !verified) {
    return std::unexpected(verified.error());
  }
  auto report = aws::pipeline::parse_callback_body(request.body);
  if (!report) {
    auto e = report.error();
    e.public_message = e.message;  // the pipeline's own payload: the detail helps, and is ours
    return std::unexpected(std::move(e));
  }
  auto recorded = services.record_result->run(*report);
  if (!recorded) return std::unexpected(recorded.error());
  if (services.on_callback) services.on_callback(*recorded, signature.id);
  return ApiResponse{200,
                     {{"status", core::to_string(recorded->outcome)},
                      {"jobId", recorded->job.value},
                      {"batchId", recorded->batch.value},
                      {"batchStatus", core::to_string(recorded->batch_status)}}};
}

}  // namespace toq::http::handlers

#pragma once
// The Lambda Runtime API (version 2018-06-01) a custom runtime speaks, at
// http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/...
// (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html):
// - GET  invocation/next: waits for the next event, with NO client timeout (the docs: the runtime
//   is frozen between invocations, so any timeout would fire spuriously); the event's request id,
//   deadline (epoch ms), function ARN and X-Ray trace id come as headers;
// - POST invocation/{requestId}/response with the result;
// - POST invocation/{requestId}/error with {"errorType","errorMessage"} and the header
//   Lambda-Runtime-Function-Error-Type;
// - POST init/error, the same body, when the function cannot start.
// Errors: PIPELINE_UNAVAILABLE when the API cannot be reached or answers 5xx (Lambda is ending
// this environment: the runtime should exit), PIPELINE_ERROR for a 4xx (a request id it does not
// know, a response sent twice).

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/model/error.hpp"

#include "support/http/http_client.hpp"

namespace toq::lambda {

struct Invocation {
  std::string request_id;                          // Lambda-Runtime-Aws-Request-Id
  std::chrono::system_clock::time_point deadline;  // Lambda-Runtime-Deadline-Ms
  std::string function_arn;                        // Lambda-Runtime-Invoked-Function-Arn
  std::string trace_id;                            // Lambda-Runtime-Trace-Id ("" when absent)
  std::string payload;
};

class RuntimeClient {
 public:
  // `api`: host:port, the value of AWS_LAMBDA_RUNTIME_API. Without `http`, a libcurl client of
  // its own (support/http/curl_http_client.hpp).
  explicit RuntimeClient(std::string api, std::shared_ptr<support::HttpClient> http = {});

  core::Result<Invocation> next();
  core::Status respond(std::string_view request_id, std::string_view body);
  core::Status fail(std::string_view request_id, std::string_view error_type,
                    std::string_view body);
  core::Status init_error(std::string_view error_type, std::string_view body);

 private:
  core::Result<support::HttpResponse> post(const std::string& path, std::string_view body,
                                           std::string_view error_type);
  std::string base_;
  std::shared_ptr<support::HttpClient> http_;
};

}  // namespace toq::lambda

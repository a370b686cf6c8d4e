#include "adapter/lambda/runtime_client.hpp"

#include <charconv>

#include <fmt/format.h>

#include "support/http/curl_http_client.hpp"
#include "support/io/byte_sources.hpp"

namespace toq::lambda {
namespace {

// One attempt per call: a retried `next` could take a second event, a retried response could
// answer twice; the loop decides what a failure means.
std::shared_ptr<support::HttpClient> runtime_http() {
  support::HttpClientOptions options;
  options.connect_timeout = std::chrono::milliseconds(2000);
  options.retry.max_attempts = 1;
  options.max_idle_handles = 2;
  options.user_agent = "toq-media-lambda";
  options.unreachable_code = core::ErrorCode::kPipelineUnavailable;
  return std::make_shared<support::CurlHttpClient>(std::move(options));
}

core::Error unreachable(std::string_view what, const core::Error& e) {
  return core::make_error(core::ErrorCode::kPipelineUnavailable,
                          fmt::format("Lambda Runtime API {}: {}", what, e.message));
}

core::Error answered(std::string_view what, const support::HttpResponse& r) {
  return core::make_error(
      r.status >= 500 ? core::ErrorCode::kPipelineUnavailable : core::ErrorCode::kPipelineError,
      fmt::format("Lambda Runtime API {}: HTTP {}: {}", what, r.status, r.body.substr(0, 512)));
}

}  // namespace

RuntimeClient::RuntimeClient(std::string api, std::shared_ptr<support::HttpClient> http)
    : base_(fmt::format("http://{}/2018-06-01/runtime/", api)),
      http_(http ? std::move(http) : runtime_http()) {}

core::Result<Invocation> RuntimeClient::next() {
  // No client timeout (the runtime is frozen between invocations; any timeout would fire
  // spuriously), which also lifts the stall check: a long poll sends nothing while it waits.
  const support::HttpRequest request{.method = "GET",
                                     .url = base_ + "invocation/next",
                                     .timeout = support::kNoTimeout,
                                     .max_attempts = 1};
  auto response = http_->send(request);
  if (!response) return std::unexpected(unreachable("next", response.error()));
  if (response->status != 200) return std::unexpected(answered("next", *response));
  Invocation out;
  out.request_id = response->header("Lambda-Runtime-Aws-Request-Id").value_or("");
  if (out.request_id.empty()) {
    return core::fail(core::ErrorCode::kPipelineError,
                      "Lambda Runtime API next: no Lambda-Runtime-Aws-Request-Id");
  }
  const auto deadline = response->header("Lambda-Runtime-Deadline-Ms").value_or("");
  std::int64_t ms = 0;
  if (std::from_chars(deadline.data(), deadline.data() + deadline.size(), ms).ec != std::errc{}) {
    return core::fail(core::ErrorCode::kPipelineError,
                      "Lambda Runtime API next: no Lambda-Runtime-Deadline-Ms");
  }
  out.deadline = std::chrono::system_clock::time_point{std::chrono::milliseconds{ms}};
  out.function_arn = response->header("Lambda-Runtime-Invoked-Function-Arn").value_or("");
  out.trace_id = response->header("Lambda-Runtime-Trace-Id").value_or("");
  out.payload = std::move(response->body);
  return out;
}

core::Result<support::HttpResponse> RuntimeClient::post(const std::string& path,
                                                        std::string_view body,
                                                        std::string_view error_type) {
  support::MemorySource source{std::string(body)};
  support::HttpRequest request{.method = "POST",
                               .url = base_ + path,
                               .headers = {{"Content-Type", "application/json"}},
                               .body = &source,
                               .content_length = static_cast<std::int64_t>(body.size()),
                               .max_attempts = 1};
  if (!error_type.empty()) {
    request.headers.emplace_back("Lambda-Runtime-Function-Error-Type", std::string(error_type));
  }
  auto response = http_->send(request);
  if (!response) return std::unexpected(unreachable(path, response.error()));
  if (response->status < 200 || response->status > 299) {
    return std::unexpected(answered(path, *response));
  }
  return response;
}

core::Status RuntimeClient::respond(std::string_view request_id, std::string_view body) {
  auto r = post(fmt::format("invocation/{}/response", request_id), body, {});
  if (!r) return std::unexpected(r.error());
  return {};
}

core::Status RuntimeClient::fail(std::string_view request_id, std::string_view error_type,
                                 std::string_view body) {
  auto r = post(fmt::format("invocation/{}/error", request_id), body, error_type);
  if (!r) return std::unexpected(r.error());
  return {};
}

core::Status RuntimeClient::init_error(std::string_view error_type, std::string_view body) {
  auto r = post("init/error", body, error_type);
  if (!r) return std::unexpected(r.error());
  return {};
}

}  // namespace toq::lambda

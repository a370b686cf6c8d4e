#pragma once
// A loopback HTTP proxy in front of a real S3-compatible server (the s3rver fixture) that makes the
// store misbehave per S3 operation: it answers 500 InternalError or 503 SlowDown in S3's XML, or
// holds the request for a while before passing it on (a slow store), for the next N requests of
// that operation or for all of them. Everything else is passed on unchanged, and the upstream's
// answer (status, S3 headers, body) comes back as it was. The proxy counts per operation what it
// faulted and what reached the store, so a test can tell a retry from a failure.
//
// The operation is told from the request as S3's REST API defines it (method, query parameters;
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_Operations_Amazon_Simple_Storage_Service.html).
// Bodies are held in memory: meant for test-sized objects.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include <fmt/format.h>

#include "support/http/curl_http_client.hpp"
#include "support/io/byte_sources.hpp"
#include "support/scripted_http_server.hpp"
#include "support/text.hpp"

namespace toq::testing {

enum class S3Op : std::uint8_t {
  kPutObject,
  kGetObject,
  kHeadObject,
  kDeleteObject,
  kDeleteObjects,
  kCreateMultipartUpload,
  kUploadPart,
  kCompleteMultipartUpload,
  kAbortMultipartUpload,
  kListParts,
  kOther,
};
inline constexpr std::size_t kS3OpCount = 11;

inline std::string_view to_string(S3Op op) {
  constexpr std::array<std::string_view, kS3OpCount> kNames{"PutObject",
                                                            "GetObject",
                                                            "HeadObject",
                                                            "DeleteObject",
                                                            "DeleteObjects",
                                                            "CreateMultipartUpload",
                                                            "UploadPart",
                                                            "CompleteMultipartUpload",
                                                            "AbortMultipartUpload",
                                                            "ListParts",
                                                            "Other"};
  return kNames[static_cast<std::size_t>(op)];
}

inline bool has_query_param(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view part = query.substr(0, amp);
    if (part == name || (part.starts_with(name) && part.substr(name.size()).starts_with('='))) {
      return true;
    }
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
  }
  return false;
}

inline S3Op classify_s3_request(const ReceivedRequest& r) {
  const std::string q = r.query();
  const bool upload_id = has_query_param(q, "uploadId");
  if (r.method == "PUT") return upload_id ? S3Op::kUploadPart : S3Op::kPutObject;
  if (r.method == "HEAD") return S3Op::kHeadObject;
  if (r.method == "GET") return upload_id ? S3Op::kListParts : S3Op::kGetObject;
  if (r.method == "DELETE") return upload_id ? S3Op::kAbortMultipartUpload : S3Op::kDeleteObject;
  if (r.method == "POST") {
    if (has_query_param(q, "uploads")) return S3Op::kCreateMultipartUpload;
    if (upload_id) return S3Op::kCompleteMultipartUpload;
    if (has_query_param(q, "delete")) return S3Op::kDeleteObjects;
  }
  return S3Op::kOther;
}

enum class S3Fault : std::uint8_t { kNone, kInternalError, kSlowDown, kSlow };

class S3FaultProxy {
 public:
  static constexpr int kAlways = -1;

  // `slow` is how long a kSlow fault holds a request before passing it on.
  S3FaultProxy(std::string upstream_base_url, std::chrono::milliseconds slow)
      : upstream_(std::move(upstream_base_url)), slow_(slow), forwarder_(forwarder_options()) {}

  std::string base_url() const { return server_.base_url(); }

  // The next `times` requests of `op` (kAlways: every one until clear()) get `fault`.
  void inject(S3Op op, S3Fault fault, int times = kAlways) {
    std::lock_guard lock{mutex_};
    rules_[index(op)] = {fault, times};
  }
  void clear() {
    std::lock_guard lock{mutex_};
    rules_ = {};
  }
  int faulted(S3Op op) const { return faulted_[index(op)].load(); }
  int forwarded(S3Op op) const { return forwarded_[index(op)].load(); }

 private:
  struct Rule {
    S3Fault fault = S3Fault::kNone;
    int remaining = 0;
  };

  static std::size_t index(S3Op op) { return static_cast<std::size_t>(op); }

  static support::HttpClientOptions forwarder_options() {
    support::HttpClientOptions o;
    o.retry.max_attempts = 1;  // the proxy passes on what it got, the client under test retries
    o.max_error_body = 1U << 20U;
    return o;
  }

  S3Fault take_fault(S3Op op) {
    std::lock_guard lock{mutex_};
    Rule& rule = rules_[index(op)];
    if (rule.fault == S3Fault::kNone || rule.remaining == 0) return S3Fault::kNone;
    if (rule.remaining > 0) --rule.remaining;
    return rule.fault;
  }

  static ScriptedResponse s3_error(int status, std::string_view code) {
    return {.status = status,
            .headers = {{"Content-Type", "application/xml"}},
            .body = fmt::format("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{}</Code>"
                                "<Message>injected by the test's fault proxy</Message>"
                                "<RequestId>FAULT</RequestId></Error>",
                                code)};
  }

  ScriptedResponse answer(const ReceivedRequest& r) {
    const S3Op op = classify_s3_request(r);
    const S3Fault fault = take_fault(op);
    if (fault != S3Fault::kNone) ++faulted_[index(op)];
    switch (fault) {
      case S3Fault::kInternalError: return s3_error(500, "InternalError");
      case S3Fault::kSlowDown: return s3_error(503, "SlowDown");
      case S3Fault::kSlow: std::this_thread::sleep_for(slow_); break;
      case S3Fault::kNone: break;
    }
    ++forwarded_[index(op)];
    return forward(r);
  }

  // The request as the client sent it (its signature included; s3rver checks only the key id).
  ScriptedResponse forward(const ReceivedRequest& r) {
    support::HttpRequest out;
    out.method = r.method;
    out.url = upstream_ + r.target;
    for (const auto& [name, value] : r.headers) {
      if (support::iequals(name, "Host") || support::iequals(name, "Content-Length") ||
          support::iequals(name, "Expect") || support::iequals(name, "Connection") ||
          support::iequals(name, "Transfer-Encoding")) {
        continue;
      }
      out.headers.emplace_back(name, value);
    }
    support::MemorySource body{r.body};
    if (r.method == "PUT" || r.method == "POST") {
      out.body = &body;
      out.content_length = static_cast<std::int64_t>(r.body.size());
    }
    auto got = forwarder_.send(out);
    if (!got) return s3_error(502, "ProxyUpstreamFailed");
    ScriptedResponse back{.status = got->status, .body = std::move(got->body)};
    for (const auto& [name, value] : got->headers) {
      const bool length = support::iequals(name, "Content-Length");
      if ((length && r.method != "HEAD") || support::iequals(name, "Connection") ||
          support::iequals(name, "Keep-Alive") || support::iequals(name, "Transfer-Encoding")) {
        continue;
      }
      back.headers.emplace_back(name, value);
    }
    return back;
  }

  std::string upstream_;
  std::chrono::milliseconds slow_;
  support::CurlHttpClient forwarder_;
  std::mutex mutex_;
  std::array<Rule, kS3OpCount> rules_{};
  std::array<std::atomic<int>, kS3OpCount> faulted_{};
  std::array<std::atomic<int>, kS3OpCount> forwarded_{};
  // Last: it starts serving on construction, and stops (joining its threads) first.
  ScriptedHttpServer server_{[this](const ReceivedRequest& r) { return answer(r); }};
};

}  // namespace toq::testing

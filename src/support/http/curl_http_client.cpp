#include "support/http/curl_http_client.hpp"

#include <algorithm>
#include <mutex>
#include <random>
#include <thread>
#include <utility>

#include <curl/curl.h>
#include <fmt/format.h>

#include "support/io/byte_sources.hpp"
#include "support/text.hpp"

namespace toq::support {

namespace {

using core::ErrorCode;

// curl_global_init is not thread-safe and must run once before any other call.
void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct SlistFree {
  void operator()(curl_slist* list) const noexcept { curl_slist_free_all(list); }
};
using Slist = std::unique_ptr<curl_slist, SlistFree>;

// Errors worth another attempt: the network or the peer failed, not our request or our callbacks.
bool retryable_curl(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM: return true;
    default: return false;
  }
}

// Everything one attempt's callbacks need; reset per attempt.
struct Exchange {
  // request side
  core::ByteSource* source = nullptr;
  std::optional<std::int64_t> length;
  std::int64_t sent = 0;
  bool source_done = false;
  // response side
  core::ByteSink* sink = nullptr;
  std::size_t max_buffered = 0;
  std::size_t max_error = 0;
  HttpResponse response;
  std::int64_t delivered = 0;  // bytes handed to the sink
  // the first failure a callback met; it ends the transfer
  std::optional<core::Error> failure;
};

// With a declared length, the source must be at its end once that many bytes were sent: one byte
// more is read to check. Returns false (and records why) when the lengths disagree.
bool check_source_length(Exchange& ex) {
  if (ex.source_done && ex.sent < *ex.length) {
    ex.failure = core::make_error(
        ErrorCode::kInvalidRequest,
        fmt::format("request body ended after {} bytes, {} declared", ex.sent, *ex.length),
        "The upload is shorter than its declared size.");
    return false;
  }
  if (ex.sent == *ex.length && !ex.source_done) {
    std::byte probe{};
    auto n = ex.source->read(std::span<std::byte>{&probe, 1});
    if (!n) {
      ex.failure = std::move(n.error());
      return false;
    }
    if (*n != 0) {
      ex.failure = core::make_error(
          ErrorCode::kInvalidRequest,
          fmt::format("request body is longer than the {} bytes declared", *ex.length),
          "The upload is longer than its declared size.");
      return false;
    }
    ex.source_done = true;
  }
  return true;
}

// Fills curl's buffer from the source. With a declared length it refuses to hand curl the last
// byte until it has checked the source is at its end, so a long source never completes a request.
std::size_t read_callback(char* buffer, std::size_t size, std::size_t nitems, void* userdata) {
  auto& ex = *static_cast<Exchange*>(userdata);
  const std::size_t capacity = size * nitems;
  if (ex.source == nullptr || ex.source_done || capacity == 0) return 0;
  std::size_t want = capacity;
  if (ex.length) {
    const std::int64_t remaining = *ex.length - ex.sent;
    if (remaining <= 0) return 0;
    want = std::min(want, static_cast<std::size_t>(remaining));
  }
  std::size_t got = 0;
  auto* out = reinterpret_cast<std::byte*>(buffer);
  while (got < want) {
    auto n = ex.source->read(std::span<std::byte>{out + got, want - got});
    if (!n) {
      ex.failure = std::move(n.error());
      return CURL_READFUNC_ABORT;
    }
    if (*n == 0) {
      ex.source_done = true;
      break;
    }
    got += *n;
  }
  ex.sent += static_cast<std::int64_t>(got);
  if (ex.length && !check_source_length(ex)) return CURL_READFUNC_ABORT;
  return got;
}

std::size_t header_callback(char* buffer, std::size_t size, std::size_t nitems, void* userdata) {
  auto& ex = *static_cast<Exchange*>(userdata);
  const std::size_t total = size * nitems;
  const std::string_view line{buffer, total};
  if (line.starts_with("HTTP/")) {
    // A new status line (after a 100 Continue, or a redirect): start over.
    ex.response.headers.clear();
    const auto space = line.find(' ');
    int status = 0;
    if (space != std::string_view::npos) {
      for (std::size_t i = space + 1; i < line.size() && line[i] >= '0' && line[i] <= '9'; ++i) {
        status = status * 10 + (line[i] - '0');
      }
    }
    ex.response.status = status;
    return total;
  }
  const auto colon = line.find(':');
  if (colon != std::string_view::npos && colon > 0) {
    constexpr std::string_view kLineSpace = " \t\r\n";
    ex.response.headers.emplace_back(std::string{trim(line.substr(0, colon), kLineSpace)},
                                     std::string{trim(line.substr(colon + 1), kLineSpace)});
  }
  return total;
}

std::size_t write_callback(char* buffer, std::size_t size, std::size_t nitems, void* userdata) {
  auto& ex = *static_cast<Exchange*>(userdata);
  const std::size_t total = size * nitems;
  const bool success = ex.response.status >= 200 && ex.response.status < 300;
  if (success && ex.sink != nullptr) {
    auto written =
        ex.sink->write(std::span<const std::byte>{reinterpret_cast<std::byte*>(buffer), total});
    if (!written) {
      ex.failure = std::move(written.error());
      return 0;  // CURLE_WRITE_ERROR
    }
    ex.delivered += static_cast<std::int64_t>(total);
    return total;
  }
  if (success) {
    if (ex.response.body.size() + total > ex.max_buffered) {
      ex.failure = core::make_error(
          ErrorCode::kStorageError,
          fmt::format("response body exceeds the {} byte buffer limit", ex.max_buffered));
      return 0;
    }
    ex.response.body.append(buffer, total);
    return total;
  }
  // Error bodies only carry a code and a message: keep the start, drop the rest.
  const std::size_t room =
      ex.max_error > ex.response.body.size() ? ex.max_error - ex.response.body.size() : 0;
  ex.response.body.append(buffer, std::min(room, total));
  return total;
}

// Presigned-style URLs carry credentials in the query; messages get the path only.
std::string redact_query(std::string_view url) {
  return std::string{url.substr(0, url.find('?'))};
}

core::Result<Slist> header_list(const Params& headers) {
  Slist list;
  for (const auto& [name, value] : headers) {
    // "Name;" is curl's spelling of a header with an empty value.
    const std::string line = value.empty() ? name + ";" : fmt::format("{}: {}", name, value);
    curl_slist* appended = curl_slist_append(list.get(), line.c_str());
    if (appended == nullptr) return core::fail(ErrorCode::kInternal, "curl_slist_append failed");
    static_cast<void>(list.release());
    list.reset(appended);
  }
  return list;
}

void set_timeouts(CURL* curl, const HttpRequest& request, const HttpClientOptions& options) {
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options.connect_timeout.count()));
  const auto total = request.timeout.value_or(options.request_timeout);
  const bool unbounded = total == kNoTimeout;
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, unbounded ? 0L : static_cast<long>(total.count()));
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT,
                   unbounded ? 0L : static_cast<long>(options.low_speed_bytes));
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, static_cast<long>(options.low_speed_time.count()));
}

void set_method(CURL* curl, const HttpRequest& request, Exchange& ex) {
  const bool has_upload =
      request.body != nullptr || request.method == "PUT" || request.method == "POST";
  if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (has_upload) {
    // UPLOAD streams through the read callback; CUSTOMREQUEST turns the PUT into a POST where
    // needed while keeping the streamed body.
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_callback);
    curl_easy_setopt(curl, CURLOPT_READDATA, &ex);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE,
                     static_cast<curl_off_t>(ex.length ? *ex.length : -1));
    if (request.method != "PUT") {
      curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
  } else if (request.method != "GET") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
}

// Sets every option of one attempt on a freshly reset handle.
void configure(CURL* curl, const HttpRequest& request, curl_slist* headers,
               const HttpClientOptions& options, Exchange& ex) {
  curl_easy_reset(curl);
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, options.user_agent.c_str());
  set_timeouts(curl, request, options);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, options.verify_tls ? 1L : 0L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, options.verify_tls ? 2L : 0L);
  if (!options.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, options.ca_file.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, header_callback);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &ex);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, write_callback);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &ex);
  set_method(curl, request, ex);
}

Exchange start_exchange(const HttpRequest& request, const HttpClientOptions& options) {
  Exchange ex;
  ex.source = request.body;
  ex.length = request.body == nullptr ? std::optional<std::int64_t>{0} : request.content_length;
  ex.sink = request.sink;
  ex.max_buffered = options.max_buffered_body;
  ex.max_error = options.max_error_body;
  return ex;
}

std::unexpected<core::Error> transfer_error(const HttpRequest& request, CURLcode code, int attempts,
                                            const HttpClientOptions& options) {
  const ErrorCode mapped = code == CURLE_URL_MALFORMAT || code == CURLE_UNSUPPORTED_PROTOCOL
                               ? ErrorCode::kConfigInvalid
                               : options.unreachable_code;
  return core::fail(
      mapped,
      fmt::format("{} {}: {} (after {} attempt{})", request.method, redact_query(request.url),
                  curl_easy_strerror(code), attempts, attempts == 1 ? "" : "s"),
      options.unreachable_message);
}

}  // namespace

// ---- HttpResponse ----

std::optional<std::string> HttpResponse::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (iequals(key, name)) return value;
  }
  return std::nullopt;
}

// ---- RetryPolicy ----

std::chrono::milliseconds RetryPolicy::ceiling(int retry) const {
  const int shift = std::clamp(retry - 1, 0, 30);
  const auto base = std::max<std::int64_t>(base_delay.count(), 0);
  const auto cap = std::max<std::int64_t>(max_delay.count(), 0);
  // base * 2^shift, without overflowing before the cap applies.
  std::int64_t value = base;
  for (int i = 0; i < shift && value < cap; ++i) value *= 2;
  return std::chrono::milliseconds{std::min(value, cap)};
}

std::chrono::milliseconds RetryPolicy::delay(int retry, double unit_random) const {
  const double u = std::clamp(unit_random, 0.0, 1.0);
  const auto top = static_cast<double>(ceiling(retry).count());
  return std::chrono::milliseconds{static_cast<std::int64_t>(u * top)};
}

bool RetryPolicy::retryable_status(int status) {
  return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

// ---- CurlHttpClient ----

struct CurlHttpClient::Handle {
  CURL* curl = nullptr;
};

void CurlHttpClient::HandleDeleter::operator()(Handle* handle) const noexcept {
  if (handle != nullptr && handle->curl != nullptr) curl_easy_cleanup(handle->curl);
  delete handle;
}

CurlHttpClient::CurlHttpClient(HttpClientOptions options, SleepFunction sleep,
                               RandomFunction random)
    : options_(std::move(options)), sleep_(std::move(sleep)), random_(std::move(random)) {
  global_init();
  if (!sleep_) sleep_ = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
  if (!random_) {
    auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
    auto lock = std::make_shared<std::mutex>();
    random_ = [engine, lock] {
      const std::lock_guard guard{*lock};
      return std::uniform_real_distribution<double>{0.0, 1.0}(*engine);
    };
  }
}

CurlHttpClient::~CurlHttpClient() = default;

core::Result<CurlHttpClient::HandlePtr> CurlHttpClient::acquire() {
  {
    const std::lock_guard lock{mutex_};
    if (!idle_.empty()) {
      HandlePtr handle = std::move(idle_.back());
      idle_.pop_back();
      return handle;
    }
  }
  HandlePtr handle{new Handle{}};
  handle->curl = curl_easy_init();
  if (handle->curl == nullptr) return core::fail(ErrorCode::kInternal, "curl_easy_init failed");
  return handle;
}

void CurlHttpClient::release(HandlePtr handle) {
  // Reset drops the options but keeps the live connections: that is the reuse.
  curl_easy_reset(handle->curl);
  const std::lock_guard lock{mutex_};
  if (idle_.size() < options_.max_idle_handles) idle_.push_back(std::move(handle));
}

core::Result<HttpResponse> CurlHttpClient::send(const HttpRequest& request) {
  auto acquired = acquire();
  if (!acquired) return std::unexpected(std::move(acquired.error()));
  HandlePtr handle = std::move(*acquired);
  auto headers = header_list(request.headers);
  if (!headers) {
    release(std::move(handle));
    return std::unexpected(std::move(headers.error()));
  }
  auto* replayable = dynamic_cast<ReplayableSource*>(request.body);
  const bool replayable_body = request.body == nullptr || replayable != nullptr;
  const int max_attempts = std::max(1, request.max_attempts.value_or(options_.retry.max_attempts));

  Exchange ex;
  for (int attempt = 1;; ++attempt) {
    if (attempt > 1 && replayable != nullptr) {
      if (auto rewound = replayable->rewind(); !rewound) {
        release(std::move(handle));
        return std::unexpected(std::move(rewound.error()));
      }
    }
    ex = start_exchange(request, options_);
    configure(handle->curl, request, headers->get(), options_, ex);
    const CURLcode code = curl_easy_perform(handle->curl);
    ex.response.attempts = attempt;
    if (ex.failure) {
      // Our own callbacks stopped the transfer: the source, the sink or the length check.
      release(std::move(handle));
      return std::unexpected(std::move(*ex.failure));
    }
    const bool more = attempt < max_attempts && replayable_body && ex.delivered == 0;
    const bool retry =
        code != CURLE_OK ? retryable_curl(code) : RetryPolicy::retryable_status(ex.response.status);
    if (retry && more) {
      sleep_(options_.retry.delay(attempt, random_()));
      continue;
    }
    release(std::move(handle));
    if (code != CURLE_OK) return transfer_error(request, code, attempt, options_);
    return std::move(ex.response);
  }
}

}  // namespace toq::support

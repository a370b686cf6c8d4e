#pragma once
// A small blocking HTTP client over libcurl for the storage tests: one request per call, every
// response header kept, bodies as strings or streamed through callbacks (the 2 GiB test).

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <curl/curl.h>

#include "support/text.hpp"

namespace toq::testing {

struct HttpCall {
  std::string method = "GET";
  std::string url{};
  std::vector<std::pair<std::string, std::string>> headers{};
  std::optional<std::string> body{};  // PUT/POST body; sent with Content-Length = its size
  // Streaming upload instead of `body`: fills the buffer, returns bytes written (0 = end).
  std::function<std::size_t(char*, std::size_t)> reader{};
  curl_off_t reader_length = -1;
  // Streaming download instead of collecting the body: false aborts the transfer.
  std::function<bool(const char*, std::size_t)> writer{};
  // curl sends "Expect: 100-continue" for large bodies on its own; the tests decide explicitly.
  bool expect_continue = false;
  long timeout_seconds = 120;
};

struct HttpResult {
  CURLcode code = CURLE_OK;
  long status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
  std::string body;
  std::size_t uploaded = 0;  // bytes the reader handed to curl

  std::string header(std::string_view name) const {
    for (const auto& [n, v] : headers) {
      if (n == name) return v;
    }
    return {};
  }
  bool has_header(std::string_view name) const {
    return std::ranges::any_of(headers, [&](const auto& h) { return h.first == name; });
  }
};

namespace detail {

struct CurlFree {
  void operator()(CURL* c) const noexcept { curl_easy_cleanup(c); }
};
struct SlistFree {
  void operator()(curl_slist* l) const noexcept { curl_slist_free_all(l); }
};

struct Transfer {
  const HttpCall* call;
  HttpResult* result;
  std::size_t body_offset = 0;
};

inline std::size_t on_header(char* data, std::size_t size, std::size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line{data, size * n};
  if (line.starts_with("HTTP/")) {
    t->result->headers.clear();  // a new response (after "100 Continue")
  } else if (const auto colon = line.find(':'); colon != std::string_view::npos) {
    const std::string name = support::to_lower(line.substr(0, colon));
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    while (!value.empty() &&
           (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
      value.remove_suffix(1);
    }
    t->result->headers.emplace_back(std::move(name), std::string{value});
  }
  return size * n;
}

inline std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  if (t->call->writer) return t->call->writer(data, size * n) ? size * n : 0;
  t->result->body.append(data, size * n);
  return size * n;
}

inline std::size_t on_read(char* buffer, std::size_t size, std::size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::size_t written = 0;
  if (t->call->reader) {
    written = t->call->reader(buffer, size * n);
  } else {
    const std::string& body = *t->call->body;
    written = std::min(size * n, body.size() - t->body_offset);
    std::copy_n(body.data() + t->body_offset, written, buffer);
    t->body_offset += written;
  }
  t->result->uploaded += written;
  return written;
}

}  // namespace detail

inline HttpResult http(const HttpCall& call) {
  static const bool kInit = [] { return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK; }();
  if (!kInit) throw std::runtime_error("curl_global_init failed");
  std::unique_ptr<CURL, detail::CurlFree> curl{curl_easy_init()};
  if (!curl) throw std::runtime_error("curl_easy_init failed");
  HttpResult result;
  detail::Transfer transfer{&call, &result};
  std::unique_ptr<curl_slist, detail::SlistFree> headers;
  const auto add_header = [&](const std::string& line) {
    curl_slist* grown = curl_slist_append(headers.get(), line.c_str());
    if (grown == nullptr) throw std::runtime_error("curl_slist_append failed");
    (void)headers.release();
    headers.reset(grown);
  };
  for (const auto& [name, value] : call.headers) add_header(name + ": " + value);
  if (!call.expect_continue) add_header("Expect:");

  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, call.url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  // TOQ_CURL_VERBOSE=1 prints the exchange, for debugging a failing test.
  if (const char* verbose = std::getenv("TOQ_CURL_VERBOSE"); verbose && *verbose == '1') {
    curl_easy_setopt(c, CURLOPT_VERBOSE, 1L);
  }
  curl_easy_setopt(c, CURLOPT_TIMEOUT, call.timeout_seconds);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &detail::on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &detail::on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &transfer);
  const bool sends_body = call.body.has_value() || static_cast<bool>(call.reader);
  if (call.method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (call.method == "PUT" && sends_body) {
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, &detail::on_read);
    curl_easy_setopt(c, CURLOPT_READDATA, &transfer);
    const curl_off_t length =
        call.reader ? call.reader_length : static_cast<curl_off_t>(call.body->size());
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, length);
  } else if (call.method != "GET") {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, call.method.c_str());
    if (sends_body) {
      curl_easy_setopt(c, CURLOPT_POSTFIELDS, call.body->data());
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(call.body->size()));
    }
  }
  if (headers) curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  result.code = curl_easy_perform(c);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &result.status);
  return result;
}

// The text of <Name>...</Name> in an XML error document, or "".
inline std::string xml_element(std::string_view xml, std::string_view name) {
  const std::string open = "<" + std::string{name} + ">";
  const std::string close = "</" + std::string{name} + ">";
  const auto start = xml.find(open);
  if (start == std::string_view::npos) return {};
  const auto end = xml.find(close, start);
  if (end == std::string_view::npos) return {};
  return std::string{xml.substr(start + open.size(), end - start - open.size())};
}

}  // namespace toq::testing

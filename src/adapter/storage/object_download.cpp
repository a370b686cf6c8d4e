// StorageRequestHandler::read_object(): an authorized GET or HEAD, as S3 answers it: conditional
// requests (If-Match, If-None-Match), one byte range, response-* header overrides, and the body
// streamed from the object file that was opened (so headers and bytes are one version).

#include <algorithm>
#include <array>
#include <charconv>
#include <memory>

#include <fmt/format.h>

#include "adapter/storage/byte_range.hpp"
#include "adapter/storage/storage_request_handler.hpp"
#include "support/http_syntax.hpp"
#include "support/text.hpp"
#include "support/utc_time.hpp"

namespace toq::storage {

using core::ErrorCode;

namespace {

// True when any entity tag of an If-Match / If-None-Match list matches `etag` ("*" matches all).
bool etag_list_matches(std::string_view list, std::string_view etag) {
  const std::string_view bare = support::unquote_etag(etag);
  std::size_t start = 0;
  while (start <= list.size()) {
    const auto end = std::min(list.find(',', start), list.size());
    std::string_view item = support::trim_ows(list.substr(start, end - start));
    if (item.starts_with("W/")) item.remove_prefix(2);
    if (item == "*" || support::unquote_etag(item) == bare) return true;
    start = end + 1;
  }
  return false;
}

// Content-Type and the headers response-* query parameters (signed) override, as S3 does.
void add_content_headers(const support::Params& query, const core::ObjectInfo& info,
                         StorageResponse& response) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 5> kOverrides = {{
      {"response-content-disposition", "Content-Disposition"},
      {"response-cache-control", "Cache-Control"},
      {"response-content-language", "Content-Language"},
      {"response-expires", "Expires"},
      {"response-content-encoding", "Content-Encoding"},
  }};
  for (const auto& [param, header] : kOverrides) {
    if (const auto value = find_param(query, param)) {
      response.headers.emplace_back(std::string{header}, std::string{*value});
    }
  }
  const auto type = find_param(query, "response-content-type");
  response.headers.emplace_back("Content-Type", std::string{type.value_or(info.content_type)});
}

}  // namespace

StorageResponse StorageRequestHandler::read_object(const StorageRequest& request,
                                                   const Authorized& auth) const {
  const bool head = request.method == "HEAD";
  auto reader = store_->open_object(auth.key);
  if (!reader) {
    if (reader.error().code == ErrorCode::kObjectNotFound) {
      return error_response(
          {404, "NoSuchKey", "The specified key does not exist.", {{"Key", auth.key}}}, !head);
    }
    return internal_error(!head);
  }
  std::shared_ptr<const ObjectReader> object{std::move(*reader)};
  const core::ObjectInfo& info = object->info();

  StorageResponse response;
  response.headers.emplace_back("ETag", info.etag);
  response.headers.emplace_back("Last-Modified", support::format_http_date(info.last_modified));
  response.headers.emplace_back("Accept-Ranges", "bytes");

  if (const auto if_match = find_header(request.headers, "If-Match");
      if_match && !etag_list_matches(*if_match, info.etag)) {
    return error_response({412,
                           "PreconditionFailed",
                           "At least one of the pre-conditions you specified did not hold",
                           {{"Condition", "If-Match"}}},
                          !head);
  }
  if (const auto if_none = find_header(request.headers, "If-None-Match");
      if_none && etag_list_matches(*if_none, info.etag)) {
    response.status = 304;
    return response;
  }

  RangeSpec range;
  if (const auto header = find_header(request.headers, "Range")) {
    range = parse_range(*header, info.size);
  }
  if (range.kind == RangeKind::kUnsatisfiable) {
    auto refused =
        error_response({416,
                        "InvalidRange",
                        "The requested range is not satisfiable",
                        {{"RangeRequested", std::string{*find_header(request.headers, "Range")}},
                         {"ActualObjectSize", std::to_string(info.size)}}},
                       !head);
    refused.headers.emplace_back("Content-Range", fmt::format("bytes */{}", info.size));
    return refused;
  }
  std::int64_t first = 0;
  std::int64_t length = info.size;
  if (range.kind == RangeKind::kSatisfiable) {
    first = range.first;
    length = range.last - range.first + 1;
    response.status = 206;
    response.headers.emplace_back(
        "Content-Range", fmt::format("bytes {}-{}/{}", range.first, range.last, info.size));
  } else {
    response.status = 200;
  }

  add_content_headers(auth.query, info, response);
  response.headers.emplace_back("Content-Length", std::to_string(length));

  if (!head && length > 0) {
    response.stream_length = length;
    response.stream = [object, next = first, end = first + length](
                          std::span<std::byte> buffer) mutable -> core::Result<std::size_t> {
      if (next >= end) return std::size_t{0};
      const auto want = static_cast<std::size_t>(
          std::min<std::int64_t>(end - next, static_cast<std::int64_t>(buffer.size())));
      auto n = object->read_at(next, buffer.first(want));
      if (n) next += static_cast<std::int64_t>(*n);
      return n;
    };
  }
  return response;
}

}  // namespace toq::storage

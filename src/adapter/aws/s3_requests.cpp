#include "adapter/aws/s3_requests.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "support/base64.hpp"
#include "support/crypto/digest.hpp"

namespace toq::aws {

namespace {

using core::ErrorCode;

std::unexpected<core::Error> bad_config(std::string message) {
  return core::fail(ErrorCode::kConfigInvalid, std::move(message));
}

}  // namespace

core::Result<S3Endpoint> parse_endpoint(std::string_view url) {
  S3Endpoint out;
  const auto sep = url.find("://");
  if (sep == std::string_view::npos) {
    return bad_config(fmt::format("S3 endpoint '{}' has no scheme (http:// or https://)", url));
  }
  out.scheme = std::string{url.substr(0, sep)};
  std::ranges::transform(out.scheme, out.scheme.begin(), [](char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
  });
  if (out.scheme != "http" && out.scheme != "https") {
    return bad_config(fmt::format("S3 endpoint '{}': scheme must be http or https", url));
  }
  std::string_view rest = url.substr(sep + 3);
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return bad_config(fmt::format("S3 endpoint '{}' must not have a query or fragment", url));
  }
  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
  if (authority.empty() || authority.find('@') != std::string_view::npos) {
    return bad_config(fmt::format("S3 endpoint '{}' needs a host and no user info", url));
  }
  // Drop the default port so the Host header, the signature and curl agree.
  const std::string_view default_port = out.scheme == "https" ? ":443" : ":80";
  if (authority.ends_with(default_port) && authority.find(']') == std::string_view::npos) {
    authority.remove_suffix(default_port.size());
  }
  out.authority = std::string{authority};
  while (path.ends_with('/')) path.remove_suffix(1);
  out.base_path = std::string{path};
  return out;
}

bool virtual_host_compatible(std::string_view bucket, std::string_view scheme) {
  if (bucket.size() < 3 || bucket.size() > 63) return false;
  const bool chars_ok = std::ranges::all_of(bucket, [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
  });
  if (!chars_ok || bucket.front() == '-' || bucket.back() == '-') return false;
  if (bucket.find('.') != std::string_view::npos && scheme == "https") return false;
  return true;
}

core::Result<S3RequestBuilder> S3RequestBuilder::create(const S3Addressing& addressing) {
  if (addressing.bucket.empty()) return bad_config("S3 bucket is empty");
  if (addressing.region.empty()) return bad_config("S3 region is empty");
  const std::string endpoint = addressing.endpoint.empty()
                                   ? fmt::format("https://s3.{}.amazonaws.com", addressing.region)
                                   : addressing.endpoint;
  auto parsed = parse_endpoint(endpoint);
  if (!parsed) return std::unexpected(std::move(parsed.error()));
  S3RequestBuilder builder;
  builder.bucket_ = addressing.bucket;
  builder.endpoint_ = std::move(*parsed);
  builder.virtual_hosted_ = !addressing.path_style &&
                            virtual_host_compatible(addressing.bucket, builder.endpoint_.scheme);
  return builder;
}

RequestToSign S3RequestBuilder::object_request(std::string_view method, std::string_view key,
                                               Params query, Params headers) const {
  RequestToSign request;
  request.method = std::string{method};
  if (virtual_hosted_) {
    request.host = fmt::format("{}.{}", bucket_, endpoint_.authority);
    request.path = endpoint_.base_path + "/" + support::uri_encode(key, support::Slash::kKeep);
  } else {
    request.host = endpoint_.authority;
    request.path = endpoint_.base_path + s3_object_path(bucket_, key);
    if (key.empty()) request.path += "/";
  }
  request.query = std::move(query);
  request.headers = std::move(headers);
  return request;
}

std::string S3RequestBuilder::url(const RequestToSign& request) const {
  std::string out = fmt::format("{}://{}{}", endpoint_.scheme, request.host,
                                request.path.empty() ? "/" : request.path);
  char separator = '?';
  for (const auto& [name, value] : request.query) {
    out.push_back(separator);
    separator = '&';
    out += support::uri_encode(name, support::Slash::kEncode);
    out.push_back('=');
    out += support::uri_encode(value, support::Slash::kEncode);
  }
  return out;
}

RequestToSign S3RequestBuilder::put_object(std::string_view key,
                                           const core::PutOptions& options) const {
  Params headers;
  if (!options.content_type.empty()) headers.emplace_back("Content-Type", options.content_type);
  if (options.checksum_sha256)
    headers.emplace_back("x-amz-checksum-sha256", *options.checksum_sha256);
  return object_request("PUT", key, {}, std::move(headers));
}

RequestToSign S3RequestBuilder::get_object(std::string_view key,
                                           std::optional<core::ByteRange> range) const {
  Params headers{{"x-amz-checksum-mode", "ENABLED"}};
  if (range) headers.emplace_back("Range", range_header(*range));
  return object_request("GET", key, {}, std::move(headers));
}

RequestToSign S3RequestBuilder::head_object(std::string_view key) const {
  return object_request("HEAD", key, {}, {{"x-amz-checksum-mode", "ENABLED"}});
}

RequestToSign S3RequestBuilder::delete_objects(std::string_view body) const {
  Params headers{{"Content-Type", "application/xml"}};
  if (auto md5 = support::md5(body)) {
    headers.emplace_back("Content-MD5", support::base64_encode(*md5));
  }
  return object_request("POST", "", {{"delete", ""}}, std::move(headers));
}

RequestToSign S3RequestBuilder::create_multipart(std::string_view key,
                                                 const core::PutOptions& options) const {
  Params headers;
  if (!options.content_type.empty()) headers.emplace_back("Content-Type", options.content_type);
  return object_request("POST", key, {{"uploads", ""}}, std::move(headers));
}

RequestToSign S3RequestBuilder::upload_part(std::string_view key, std::string_view upload_id,
                                            int part_number) const {
  return object_request(
      "PUT", key,
      {{"partNumber", std::to_string(part_number)}, {"uploadId", std::string{upload_id}}});
}

RequestToSign S3RequestBuilder::list_parts(std::string_view key, std::string_view upload_id,
                                           std::optional<int> part_number_marker) const {
  Params query{{"uploadId", std::string{upload_id}}};
  if (part_number_marker)
    query.emplace_back("part-number-marker", std::to_string(*part_number_marker));
  return object_request("GET", key, std::move(query));
}

RequestToSign S3RequestBuilder::complete_multipart(std::string_view key,
                                                   std::string_view upload_id) const {
  return object_request("POST", key, {{"uploadId", std::string{upload_id}}},
                        {{"Content-Type", "application/xml"}});
}

RequestToSign S3RequestBuilder::abort_multipart(std::string_view key,
                                                std::string_view upload_id) const {
  return object_request("DELETE", key, {{"uploadId", std::string{upload_id}}});
}

std::string s3_object_path(std::string_view bucket, std::string_view key) {
  std::string path = "/";
  path.append(bucket);
  if (!key.empty()) {
    path.push_back('/');
    path.append(support::uri_encode(key, support::Slash::kKeep));
  }
  return path;
}

std::string range_header(const core::ByteRange& range) {
  if (range.last) return fmt::format("bytes={}-{}", range.first, *range.last);
  return fmt::format("bytes={}-", range.first);
}

}  // namespace toq::aws

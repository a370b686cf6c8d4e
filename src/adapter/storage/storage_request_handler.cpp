#include "adapter/storage/storage_request_handler.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <ctime>
#include <exception>

#include <fmt/format.h>

#include "core/model/manifest.hpp"

#include "adapter/aws/crypto.hpp"
#include "adapter/aws/xml_escape.hpp"

namespace toq::storage {

struct StorageRequestHandler::Authorized {
  std::string key;
  aws::Params query;  // decoded
  std::vector<std::string> signed_headers;
  std::optional<int> part_number;
  std::string upload_id;
  std::int64_t content_length = 0;  // PUT
  std::optional<std::string> checksum_sha256;
  std::string content_type;
};

namespace {

using core::ErrorCode;

constexpr std::string_view kExposeHeaders =
    "ETag, Content-Length, Content-Range, Content-Disposition, Last-Modified, x-amz-request-id, "
    "x-amz-checksum-sha256";
constexpr std::string_view kAllowedMethods = "GET, HEAD, PUT";
constexpr std::string_view kInternalErrorMessage =
    "We encountered an internal error. Please try again.";

std::string to_lower(std::string_view text) {
  std::string out{text};
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return std::ranges::equal(a, b, [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

std::optional<std::string_view> find_header(const aws::Params& headers, std::string_view name) {
  for (const auto& [n, v] : headers) {
    if (iequals(n, name)) return std::string_view{v};
  }
  return std::nullopt;
}

std::optional<std::string_view> find_param(const aws::Params& params, std::string_view name) {
  for (const auto& [n, v] : params) {
    if (n == name) return std::string_view{v};
  }
  return std::nullopt;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

template <class Int>
std::optional<Int> parse_decimal(std::string_view text) {
  if (text.empty() || !std::ranges::all_of(text, [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  Int value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string new_request_id() {
  auto id = aws::random_hex(8);
  std::string out = id ? *id : std::string(16, '0');
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

StorageResponse error_response(int status, std::string_view code, std::string_view message,
                               const aws::Params& extra = {}, bool with_body = true) {
  StorageResponse response;
  response.status = status;
  const std::string request_id = new_request_id();
  response.headers.emplace_back("x-amz-request-id", request_id);
  if (with_body) {
    response.body = s3_error_xml(code, message, extra, request_id);
    response.headers.emplace_back("Content-Type", "application/xml");
  }
  response.headers.emplace_back("Content-Length", std::to_string(response.body.size()));
  return response;
}

StorageResponse internal_error(bool with_body = true) {
  return error_response(500, "InternalError", kInternalErrorMessage, {}, with_body);
}

// Maps a store error met while writing to S3's answer.
StorageResponse write_error(const core::Error& error, std::string_view key) {
  switch (error.code) {
    case ErrorCode::kChecksumMismatch:
      return error_response(400, "BadDigest",
                            "The SHA256 you specified did not match the calculated checksum.");
    case ErrorCode::kUploadNotFound:
      return error_response(404, "NoSuchUpload",
                            "The specified upload does not exist. The upload ID may be invalid, "
                            "or the upload may have been aborted or completed.");
    case ErrorCode::kInvalidRequest:
      return error_response(400, "InvalidArgument", error.client_message(),
                            {{"Key", std::string{key}}});
    default: return internal_error();
  }
}

enum class RangeKind : unsigned char { kNone, kSatisfiable, kUnsatisfiable };
struct RangeSpec {
  RangeKind kind = RangeKind::kNone;
  std::int64_t first = 0;
  std::int64_t last = 0;
};

// One "bytes=" range against an object of `size` bytes. Malformed and multi-range headers are
// ignored (the whole object is served), as S3 does.
RangeSpec parse_range(std::string_view header, std::int64_t size) {
  header = trim(header);
  if (!header.starts_with("bytes=")) return {};
  const std::string_view spec = trim(header.substr(6));
  if (spec.find(',') != std::string_view::npos) return {};
  const auto dash = spec.find('-');
  if (dash == std::string_view::npos) return {};
  const auto first_text = trim(spec.substr(0, dash));
  const auto last_text = trim(spec.substr(dash + 1));
  if (first_text.empty()) {  // suffix: the last N bytes
    const auto n = parse_decimal<std::int64_t>(last_text);
    if (!n) return {};
    if (*n == 0 || size == 0) return {RangeKind::kUnsatisfiable};
    return {RangeKind::kSatisfiable, std::max<std::int64_t>(0, size - *n), size - 1};
  }
  const auto first = parse_decimal<std::int64_t>(first_text);
  if (!first) return {};
  std::int64_t last = size - 1;
  if (!last_text.empty()) {
    const auto l = parse_decimal<std::int64_t>(last_text);
    if (!l || *l < *first) return {};
    last = std::min(*l, size - 1);
  }
  if (*first >= size) return {RangeKind::kUnsatisfiable};
  return {RangeKind::kSatisfiable, *first, last};
}

// True when any entity tag of an If-Match / If-None-Match list matches `etag` ("*" matches all).
bool etag_list_matches(std::string_view list, std::string_view etag) {
  const std::string_view bare = aws::unquote_etag(etag);
  std::size_t start = 0;
  while (start <= list.size()) {
    const auto end = std::min(list.find(',', start), list.size());
    std::string_view item = trim(list.substr(start, end - start));
    if (item.starts_with("W/")) item.remove_prefix(2);
    if (item == "*" || aws::unquote_etag(item) == bare) return true;
    start = end + 1;
  }
  return false;
}

bool is_token(std::string_view text) {
  constexpr std::string_view kSpecials = "!#$%&'*+-.^_`|~";
  return !text.empty() && std::ranges::all_of(text, [&](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
           kSpecials.find(c) != std::string_view::npos;
  });
}

// The body of an authorized PUT streaming into a PendingWrite.
class PendingUpload final : public UploadBody {
 public:
  PendingUpload(std::unique_ptr<PendingWrite> pending, std::int64_t declared, std::string key,
                std::optional<std::string> checksum, aws::Params cors)
      : pending_(std::move(pending)),
        declared_(declared),
        key_(std::move(key)),
        checksum_(std::move(checksum)),
        cors_(std::move(cors)) {}

  bool write(std::span<const std::byte> data) override {
    if (failure_) return false;
    try {
      if (received_ + static_cast<std::int64_t>(data.size()) > declared_) {
        fail(error_response(400, "IncompleteBody",
                            "The request body is longer than the Content-Length header says."));
        return false;
      }
      received_ += static_cast<std::int64_t>(data.size());
      if (auto st = pending_->write(data); !st) {
        fail(write_error(st.error(), key_));
        return false;
      }
      return true;
    } catch (const std::exception&) {
      fail(internal_error());
      return false;
    }
  }

  StorageResponse finish(bool complete) override {
    StorageResponse response = finish_inner(complete);
    for (const auto& header : cors_) response.headers.push_back(header);
    return response;
  }

 private:
  StorageResponse finish_inner(bool complete) {
    try {
      if (failure_) return std::move(*failure_);
      if (!complete || received_ != declared_) {
        pending_.reset();  // removes the temp file: nothing is stored
        return error_response(400, "IncompleteBody",
                              "You did not provide the number of bytes specified by the "
                              "Content-Length HTTP header.",
                              {{"NumberBytesExpected", std::to_string(declared_)},
                               {"NumberBytesProvided", std::to_string(received_)}});
      }
      auto info = pending_->commit();
      pending_.reset();
      if (!info) return write_error(info.error(), key_);
      StorageResponse response;
      response.status = 200;
      response.headers.emplace_back("x-amz-request-id", new_request_id());
      response.headers.emplace_back("ETag", info->etag);
      if (checksum_) response.headers.emplace_back("x-amz-checksum-sha256", *checksum_);
      response.headers.emplace_back("Content-Length", "0");
      return response;
    } catch (const std::exception&) {
      pending_.reset();
      return internal_error();
    }
  }

  void fail(StorageResponse response) {
    failure_ = std::move(response);
    pending_.reset();
  }

  std::unique_ptr<PendingWrite> pending_;
  std::int64_t declared_;
  std::int64_t received_ = 0;
  std::string key_;
  std::optional<std::string> checksum_;
  aws::Params cors_;
  std::optional<StorageResponse> failure_;
};

}  // namespace

std::string_view StorageResponse::header(std::string_view name) const {
  return find_header(headers, name).value_or(std::string_view{});
}

std::string s3_error_xml(std::string_view code, std::string_view message, const aws::Params& extra,
                         std::string_view request_id) {
  std::string xml = R"(<?xml version="1.0" encoding="UTF-8"?>)";
  xml += "\n<Error><Code>" + aws::xml_escape(code) + "</Code><Message>" + aws::xml_escape(message) +
         "</Message>";
  for (const auto& [name, value] : extra) {
    xml += "<" + name + ">" + aws::xml_escape(value) + "</" + name + ">";
  }
  xml += "<RequestId>" + aws::xml_escape(request_id) +
         "</RequestId><HostId>toq-media</HostId></Error>";
  return xml;
}

std::string http_date(core::Timestamp at) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(at);
  const std::time_t t = std::chrono::system_clock::to_time_t(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  static constexpr std::array<std::string_view, 7> kDays = {"Sun", "Mon", "Tue", "Wed",
                                                            "Thu", "Fri", "Sat"};
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  return fmt::format("{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
                     kDays[static_cast<std::size_t>(tm.tm_wday)], tm.tm_mday,
                     kMonths[static_cast<std::size_t>(tm.tm_mon)], tm.tm_year + 1900, tm.tm_hour,
                     tm.tm_min, tm.tm_sec);
}

StorageRequestHandler::StorageRequestHandler(LocalObjectStore& store, StorageHandlerConfig config)
    : store_(&store), config_(std::move(config)) {}

bool StorageRequestHandler::origin_allowed(std::string_view origin) const {
  return std::ranges::any_of(config_.allowed_origins,
                             [&](const std::string& o) { return o == "*" || o == origin; });
}

void StorageRequestHandler::add_cors(const StorageRequest& request,
                                     StorageResponse& response) const {
  const auto origin = find_header(request.headers, "Origin");
  if (!origin) return;
  // The answer depends on Origin: caches must keep one copy per origin.
  response.headers.emplace_back("Vary", "Origin");
  if (!origin_allowed(*origin)) return;
  response.headers.emplace_back("Access-Control-Allow-Origin", std::string{*origin});
  response.headers.emplace_back("Access-Control-Expose-Headers", std::string{kExposeHeaders});
}

StorageResponse StorageRequestHandler::preflight(const StorageRequest& request) const {
  const auto origin = find_header(request.headers, "Origin");
  const auto method = find_header(request.headers, "Access-Control-Request-Method");
  if (!origin || !method) {
    return error_response(400, "BadRequest",
                          "Insufficient information. Origin request header needed.");
  }
  const auto requested = find_header(request.headers, "Access-Control-Request-Headers");
  bool headers_ok = true;
  if (requested) {
    std::size_t start = 0;
    const std::string_view list = *requested;
    while (start <= list.size()) {
      const auto end = std::min(list.find(',', start), list.size());
      const auto name = trim(list.substr(start, end - start));
      if (!name.empty() && !is_token(name)) headers_ok = false;
      start = end + 1;
    }
  }
  const bool method_ok = *method == "GET" || *method == "HEAD" || *method == "PUT";
  if (!origin_allowed(*origin) || !method_ok || !headers_ok) {
    auto response = error_response(
        403, "AccessForbidden",
        "CORSResponse: This CORS request is not allowed. This is usually because the evaluation "
        "of Origin, request method / Access-Control-Request-Method or "
        "Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
        {{"Method", std::string{*method}}, {"ResourceType", "OBJECT"}});
    response.headers.emplace_back("Vary",
                                  "Origin, Access-Control-Request-Method, "
                                  "Access-Control-Request-Headers");
    return response;
  }
  StorageResponse response;
  response.status = 200;
  response.headers = {
      {"x-amz-request-id", new_request_id()},
      {"Access-Control-Allow-Origin", std::string{*origin}},
      {"Access-Control-Allow-Methods", std::string{kAllowedMethods}},
      {"Access-Control-Expose-Headers", std::string{kExposeHeaders}},
      {"Access-Control-Max-Age", std::to_string(config_.cors_max_age.count())},
      {"Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"},
      {"Content-Length", "0"}};
  if (requested && !trim(*requested).empty()) {
    response.headers.emplace_back("Access-Control-Allow-Headers", std::string{trim(*requested)});
  }
  return response;
}

std::variant<StorageResponse, StorageRequestHandler::Authorized> StorageRequestHandler::authorize(
    const StorageRequest& request) const {
  const bool head = request.method == "HEAD";
  const auto reject = [&](int status, std::string_view code, std::string_view message,
                          const aws::Params& extra = {}) {
    return error_response(status, code, message, extra, !head);
  };
  if (request.method != "GET" && !head && request.method != "PUT") {
    return reject(405, "MethodNotAllowed",
                  "The specified method is not allowed against this resource.",
                  {{"Method", request.method}, {"ResourceType", "OBJECT"}});
  }
  if (!request.raw_path.starts_with(kRoutePrefix)) {
    return reject(400, "InvalidRequest", "The path is not under /storage/.");
  }
  Authorized auth;
  auth.key = aws::uri_decode(std::string_view{request.raw_path}.substr(kRoutePrefix.size()));
  if (!core::validate_object_key(auth.key)) {
    return reject(400, "InvalidArgument", "The object key is not valid.");
  }
  auth.query = aws::parse_query(request.raw_query);

  const bool has_query_auth = find_param(auth.query, "X-Amz-Signature").has_value() ||
                              find_param(auth.query, "X-Amz-Credential").has_value() ||
                              find_param(auth.query, "X-Amz-Algorithm").has_value();
  if (!has_query_auth) {
    if (find_header(request.headers, "Authorization")) {
      return reject(403, "AccessDenied",
                    "This store accepts presigned URLs (query authentication) only.");
    }
    return reject(403, "AccessDenied", "Access Denied");
  }

  aws::IncomingRequest incoming;
  incoming.method = request.method;
  incoming.host = std::string{find_header(request.headers, "Host").value_or("")};
  incoming.raw_path = request.raw_path;
  incoming.raw_query = request.raw_query;
  incoming.headers = request.headers;
  aws::VerifyConfig verify = store_->verify_config();
  verify.max_clock_skew = config_.max_clock_skew;
  const LocalObjectStore* store = store_;
  auto verdict = aws::verify_presigned(
      incoming, verify, [store](std::string_view id) { return store->lookup_credentials(id); },
      store_->clock(), &store_->key_cache());
  if (!verdict) return head ? internal_error(false) : internal_error();
  switch (verdict->status) {
    case aws::VerifyStatus::kOk: break;
    case aws::VerifyStatus::kExpired: {
      aws::Params extra{
          {"X-Amz-Expires", std::string{find_param(auth.query, "X-Amz-Expires").value_or("")}},
          {"ServerTime", core::format_rfc3339(store_->clock().now())}};
      if (verdict->expires_at)
        extra.emplace_back("Expires", core::format_rfc3339(*verdict->expires_at));
      return reject(403, "AccessDenied", "Request has expired", extra);
    }
    case aws::VerifyStatus::kNotYetValid:
      return reject(403, "AccessDenied", "Request is not valid yet");
    case aws::VerifyStatus::kSignatureMismatch:
    case aws::VerifyStatus::kMissingSignedHeader:
      return reject(403, "SignatureDoesNotMatch",
                    "The request signature we calculated does not match the signature you "
                    "provided. Check your key and signing method.",
                    {{"AWSAccessKeyId", verdict->access_key_id}});
    case aws::VerifyStatus::kUnknownAccessKey:
      return reject(403, "InvalidAccessKeyId",
                    "The AWS Access Key Id you provided does not exist in our records.",
                    {{"AWSAccessKeyId", verdict->access_key_id}});
    case aws::VerifyStatus::kMalformed:
      return reject(400, "AuthorizationQueryParametersError", verdict->detail);
  }

  // x-amz-* headers change what S3 does; on a presigned request they must have been signed.
  const auto signed_list = find_param(auth.query, "X-Amz-SignedHeaders").value_or("");
  std::size_t start = 0;
  while (start <= signed_list.size()) {
    const auto end = std::min(signed_list.find(';', start), signed_list.size());
    if (end > start) auth.signed_headers.emplace_back(signed_list.substr(start, end - start));
    start = end + 1;
  }
  std::string unsigned_headers;
  for (const auto& [name, value] : request.headers) {
    const std::string lower = to_lower(name);
    if (!lower.starts_with("x-amz-")) continue;
    if (!std::ranges::binary_search(auth.signed_headers, lower)) {
      unsigned_headers += unsigned_headers.empty() ? lower : ", " + lower;
      continue;
    }
    const bool supported = lower == "x-amz-checksum-sha256" || lower == "x-amz-date" ||
                           lower == "x-amz-security-token" ||
                           (lower == "x-amz-sdk-checksum-algorithm" && value == "SHA256") ||
                           (lower == "x-amz-content-sha256" && value == "UNSIGNED-PAYLOAD");
    if (!supported) {
      return reject(501, "NotImplemented",
                    "A header you provided implies functionality that is not implemented.",
                    {{"Header", lower}});
    }
  }
  if (!unsigned_headers.empty()) {
    return reject(403, "AccessDenied",
                  "There were headers present in the request which were not signed",
                  {{"HeadersNotSigned", unsigned_headers}});
  }
  if (find_header(request.headers, "Content-MD5")) {
    return reject(501, "NotImplemented",
                  "Content-MD5 is not supported by this store; sign x-amz-checksum-sha256.",
                  {{"Header", "Content-MD5"}});
  }

  // Sub-resources: only object PUT/GET/HEAD and part PUT exist here.
  for (const auto& [name, value] : auth.query) {
    const bool known = name.starts_with("X-Amz-") || name == "partNumber" || name == "uploadId" ||
                       name.starts_with("response-") || name == "x-id";
    if (!known) {
      return reject(501, "NotImplemented",
                    "A header or query you provided implies functionality that is not "
                    "implemented.",
                    {{"Parameter", name}});
    }
    if (name.starts_with("response-") && !is_header_safe(value)) {
      return reject(400, "InvalidArgument", "A response header override is not valid.");
    }
  }
  const auto part_number = find_param(auth.query, "partNumber");
  const auto upload_id = find_param(auth.query, "uploadId");
  if (part_number || upload_id) {
    if (request.method != "PUT") {
      return reject(501, "NotImplemented",
                    "Reading parts or listing uploads is not implemented by this store.");
    }
    if (!part_number || !upload_id) {
      return reject(400, "InvalidArgument", "partNumber and uploadId go together.");
    }
    const auto n = parse_decimal<int>(*part_number);
    if (!n || !core::is_valid_part_number(*n)) {
      return reject(400, "InvalidArgument",
                    "Part number must be an integer between 1 and 10000, inclusive",
                    {{"ArgumentName", "partNumber"}, {"ArgumentValue", std::string{*part_number}}});
    }
    auth.part_number = *n;
    auth.upload_id = *upload_id;
  }

  if (request.method == "PUT") {
    const auto length = find_header(request.headers, "Content-Length");
    if (!length || find_header(request.headers, "Transfer-Encoding")) {
      return reject(411, "MissingContentLength",
                    "You must provide the Content-Length HTTP header.");
    }
    const auto n = parse_decimal<std::int64_t>(trim(*length));
    if (!n) return reject(400, "InvalidArgument", "Content-Length is not a number.");
    if (*n > kMaxPutSize) {
      return reject(
          400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size",
          {{"ProposedSize", std::to_string(*n)}, {"MaxSizeAllowed", std::to_string(kMaxPutSize)}});
    }
    auth.content_length = *n;
    if (const auto checksum = find_header(request.headers, "x-amz-checksum-sha256")) {
      if (!core::is_base64_sha256(trim(*checksum))) {
        return reject(400, "InvalidRequest", "Value for x-amz-checksum-sha256 header is invalid.");
      }
      auth.checksum_sha256 = std::string{trim(*checksum)};
    }
    auth.content_type = std::string{
        find_header(request.headers, "Content-Type").value_or("application/octet-stream")};
    if (auth.content_type.size() > kMaxContentTypeSize || !is_header_safe(auth.content_type)) {
      return reject(400, "InvalidArgument", "The Content-Type header is not valid.");
    }
  }
  return auth;
}

StorageResponse StorageRequestHandler::read_object(const StorageRequest& request,
                                                   const Authorized& auth) const {
  const bool head = request.method == "HEAD";
  auto reader = store_->open_object(auth.key);
  if (!reader) {
    if (reader.error().code == ErrorCode::kObjectNotFound) {
      return error_response(404, "NoSuchKey", "The specified key does not exist.",
                            {{"Key", auth.key}}, !head);
    }
    return internal_error(!head);
  }
  std::shared_ptr<const ObjectReader> object{std::move(*reader)};
  const core::ObjectInfo& info = object->info();

  StorageResponse response;
  response.headers.emplace_back("x-amz-request-id", new_request_id());
  response.headers.emplace_back("ETag", info.etag);
  response.headers.emplace_back("Last-Modified", http_date(info.last_modified));
  response.headers.emplace_back("Accept-Ranges", "bytes");

  if (const auto if_match = find_header(request.headers, "If-Match");
      if_match && !etag_list_matches(*if_match, info.etag)) {
    auto failed = error_response(412, "PreconditionFailed",
                                 "At least one of the pre-conditions you specified did not hold",
                                 {{"Condition", "If-Match"}}, !head);
    return failed;
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
        error_response(416, "InvalidRange", "The requested range is not satisfiable",
                       {{"RangeRequested", std::string{*find_header(request.headers, "Range")}},
                        {"ActualObjectSize", std::to_string(info.size)}},
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

  // response-* query parameters (signed) override the stored headers, as S3 does.
  std::string content_type = info.content_type;
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 5> kOverrides = {{
      {"response-content-disposition", "Content-Disposition"},
      {"response-cache-control", "Cache-Control"},
      {"response-content-language", "Content-Language"},
      {"response-expires", "Expires"},
      {"response-content-encoding", "Content-Encoding"},
  }};
  for (const auto& [param, header] : kOverrides) {
    if (const auto value = find_param(auth.query, param)) {
      response.headers.emplace_back(std::string{header}, std::string{*value});
    }
  }
  if (const auto type = find_param(auth.query, "response-content-type")) content_type = *type;
  response.headers.emplace_back("Content-Type", content_type);
  response.headers.emplace_back("Content-Length", std::to_string(length));

  if (!head && length > 0) {
    response.stream_length = length;
    response.stream = [object, first, length](core::ByteSink& sink) {
      return object->copy_to(sink, first, length);
    };
  }
  return response;
}

StorageRequestHandler::Started StorageRequestHandler::start_upload(const StorageRequest& request,
                                                                   const Authorized& auth) const {
  Result<std::unique_ptr<PendingWrite>> pending =
      auth.part_number
          ? store_->begin_part(auth.key, auth.upload_id, *auth.part_number, auth.content_length,
                               auth.checksum_sha256)
          : store_->begin_put(auth.key, core::PutOptions{auth.content_type, auth.content_length,
                                                         auth.checksum_sha256});
  if (!pending) {
    auto response = write_error(pending.error(), auth.key);
    response.close_connection = true;
    add_cors(request, response);
    return response;
  }
  StorageResponse cors;
  add_cors(request, cors);
  return std::unique_ptr<UploadBody>{new PendingUpload(std::move(*pending), auth.content_length,
                                                       auth.key, auth.checksum_sha256,
                                                       std::move(cors.headers))};
}

StorageRequestHandler::Started StorageRequestHandler::begin(const StorageRequest& request) const {
  try {
    if (request.method == "OPTIONS") return preflight(request);
    auto authorized = authorize(request);
    if (auto* rejection = std::get_if<StorageResponse>(&authorized)) {
      rejection->close_connection = request.method == "PUT";
      add_cors(request, *rejection);
      return std::move(*rejection);
    }
    const auto& auth = std::get<Authorized>(authorized);
    if (request.method == "PUT") return start_upload(request, auth);
    auto response = read_object(request, auth);
    add_cors(request, response);
    return response;
  } catch (const std::exception&) {
    auto response = internal_error(request.method != "HEAD");
    response.close_connection = request.method == "PUT";
    return response;
  }
}

std::optional<StorageResponse> StorageRequestHandler::precheck(
    const StorageRequest& request) const {
  try {
    if (request.method == "OPTIONS") return std::nullopt;
    auto authorized = authorize(request);
    if (auto* rejection = std::get_if<StorageResponse>(&authorized)) {
      rejection->close_connection = true;
      add_cors(request, *rejection);
      return std::move(*rejection);
    }
    return std::nullopt;
  } catch (const std::exception&) {
    auto response = internal_error();
    response.close_connection = true;
    return response;
  }
}

StorageResponse StorageRequestHandler::handle(const StorageRequest& request,
                                              core::ByteSource& body) const {
  auto started = begin(request);
  if (auto* response = std::get_if<StorageResponse>(&started)) return std::move(*response);
  auto& upload = std::get<std::unique_ptr<UploadBody>>(started);
  std::vector<std::byte> buffer(static_cast<std::size_t>(kMiB));
  while (true) {
    auto n = body.read(buffer);
    if (!n) return upload->finish(false);
    if (*n == 0) break;
    if (!upload->write(std::span{buffer.data(), std::min(*n, buffer.size())})) break;
  }
  return upload->finish(true);
}

}  // namespace toq::storage

#include "adapter/aws/s3_object_store.hpp"

#include <algorithm>
#include <charconv>
#include <utility>

#include <fmt/format.h>

#include "support/base64.hpp"
#include "support/hex.hpp"
#include "support/io/byte_sources.hpp"
#include "support/utc_time.hpp"

namespace toq::aws {

namespace {

using core::ErrorCode;
using support::FileSource;
using support::HttpResponse;
using support::MemorySource;

std::optional<std::int64_t> to_int(std::string_view text) {
  std::int64_t value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

// "bytes first-last/total" -> {first, total}; total may be "*".
struct ContentRange {
  std::int64_t first = 0;
  std::optional<std::int64_t> total;
};
std::optional<ContentRange> parse_content_range(std::string_view text) {
  if (!text.starts_with("bytes ")) return std::nullopt;
  text.remove_prefix(6);
  const auto dash = text.find('-');
  const auto slash = text.find('/');
  if (dash == std::string_view::npos || slash == std::string_view::npos || dash > slash) {
    return std::nullopt;
  }
  const auto first = to_int(text.substr(0, dash));
  if (!first) return std::nullopt;
  return ContentRange{.first = *first, .total = to_int(text.substr(slash + 1))};
}

core::ObjectInfo info_from_headers(std::string_view key, const HttpResponse& response) {
  core::ObjectInfo info;
  info.key = std::string{key};
  info.etag = response.header("ETag").value_or("");
  info.content_type = response.header("Content-Type").value_or("");
  info.checksum_sha256 = response.header("x-amz-checksum-sha256");
  if (auto range = response.header("Content-Range")) {
    if (auto parsed = parse_content_range(*range); parsed && parsed->total) {
      info.size = *parsed->total;
    }
  } else if (auto length = response.header("Content-Length")) {
    info.size = to_int(*length).value_or(0);
  }
  if (auto modified = response.header("Last-Modified")) {
    // RFC 9110 IMF-fixdate ("Wed, 21 Oct 2015 07:28:00 GMT").
    if (auto when = support::parse_http_date(*modified)) info.last_modified = *when;
  }
  return info;
}

Result<std::string> sha256_hex_of_source(core::ByteSource& source, std::int64_t& length,
                                         FileSource* copy_to = nullptr,
                                         std::string_view prefix = {}) {
  auto hasher = support::Sha256::create();
  if (!hasher) return std::unexpected(std::move(hasher.error()));
  length = 0;
  const auto take = [&](std::string_view bytes) -> Status {
    if (auto u = hasher->update(bytes); !u) return u;
    length += static_cast<std::int64_t>(bytes.size());
    if (copy_to != nullptr) {
      return copy_to->append(std::span<const std::byte>{
          reinterpret_cast<const std::byte*>(bytes.data()), bytes.size()});
    }
    return {};
  };
  if (auto s = take(prefix); !s) return std::unexpected(std::move(s.error()));
  std::string buffer(256 * 1024, '\0');
  while (true) {
    auto n = source.read(
        std::span<std::byte>{reinterpret_cast<std::byte*>(buffer.data()), buffer.size()});
    if (!n) return std::unexpected(std::move(n.error()));
    if (*n == 0) break;
    if (auto s = take(std::string_view{buffer.data(), *n}); !s) {
      return std::unexpected(std::move(s.error()));
    }
  }
  auto digest = hasher->finish();
  if (!digest) return std::unexpected(std::move(digest.error()));
  return support::hex_lower(*digest);
}

// `actual` is exact when the whole body was read, else a lower bound past the declared length.
std::unexpected<core::Error> length_mismatch(std::int64_t actual, std::int64_t declared) {
  return core::fail(ErrorCode::kInvalidRequest,
                    actual > declared
                        ? fmt::format("body is longer than the {} bytes declared", declared)
                        : fmt::format("body has {} bytes, {} declared", actual, declared),
                    "The upload's size differs from its declared size.");
}

// Passes at most `limit` bytes on to the caller's sink and drops the rest: a server that answers
// "bytes=0-0" with more than one byte cannot give the caller more than it asked for.
class LimitSink final : public core::ByteSink {
 public:
  LimitSink(core::ByteSink& inner, std::optional<std::int64_t> limit)
      : inner_(&inner), limit_(limit) {}
  Status write(std::span<const std::byte> data) override {
    if (limit_) {
      const std::int64_t room = std::max<std::int64_t>(*limit_ - passed_, 0);
      data = data.first(std::min(data.size(), static_cast<std::size_t>(room)));
    }
    if (data.empty()) return {};
    passed_ += static_cast<std::int64_t>(data.size());
    return inner_->write(data);
  }

 private:
  core::ByteSink* inner_;
  std::optional<std::int64_t> limit_;
  std::int64_t passed_ = 0;
};

}  // namespace

Result<std::unique_ptr<S3ObjectStore>> S3ObjectStore::create(
    S3StoreOptions options, std::shared_ptr<support::HttpClient> http, const core::Clock& clock) {
  if (!options.credentials) {
    return core::fail(ErrorCode::kConfigInvalid, "S3 store needs a credentials provider");
  }
  if (!http) return core::fail(ErrorCode::kConfigInvalid, "S3 store needs an HTTP client");
  if (options.delete_batch < 1 || options.delete_batch > 1000) {
    return core::fail(ErrorCode::kConfigInvalid, "S3 delete batch must be 1..1000");
  }
  auto builder = S3RequestBuilder::create(S3Addressing{.bucket = options.bucket,
                                                       .region = options.region,
                                                       .endpoint = options.endpoint,
                                                       .path_style = options.path_style});
  if (!builder) return std::unexpected(std::move(builder.error()));
  return std::unique_ptr<S3ObjectStore>(
      new S3ObjectStore(std::move(options), std::move(*builder), std::move(http), clock));
}

S3ObjectStore::S3ObjectStore(S3StoreOptions options, S3RequestBuilder builder,
                             std::shared_ptr<support::HttpClient> http, const core::Clock& clock)
    : options_(std::move(options)),
      builder_(std::move(builder)),
      http_(std::move(http)),
      clock_(&clock),
      signer_(options_.credentials, options_.region, "s3", clock) {}

Result<std::shared_ptr<const SigV4Signer>> S3ObjectStore::signer() {
  return signer_.get();
}

Result<HttpResponse> S3ObjectStore::send(RequestToSign request, core::ByteSource* body,
                                         std::optional<std::int64_t> length,
                                         std::string payload_sha256, core::ByteSink* sink,
                                         std::optional<std::chrono::milliseconds> timeout) {
  auto s = signer();
  if (!s) return std::unexpected(std::move(s.error()));
  request.payload_sha256 = std::move(payload_sha256);
  auto signed_request = (*s)->sign_headers(
      std::move(request), {.add_content_sha256_header = true, .sign_session_token = true});
  if (!signed_request) return std::unexpected(std::move(signed_request.error()));
  support::HttpRequest wire{.method = signed_request->request.method,
                            .url = builder_.url(signed_request->request),
                            .headers = std::move(signed_request->request.headers),
                            .body = body,
                            .content_length = length,
                            .sink = sink};
  wire.timeout = timeout;
  return http_->send(wire);
}

Result<S3ObjectStore::PreparedBody> S3ObjectStore::prepare_body(
    core::ByteSource& source, std::optional<std::int64_t> declared) {
  if (declared && *declared < 0) {
    return core::fail(ErrorCode::kInvalidRequest, "negative content length");
  }
  const std::size_t limit = options_.small_body_limit;
  // One byte past what is allowed in memory (or past the declared length) tells "ended" from
  // "goes on".
  std::size_t probe = limit + 1;
  if (declared && static_cast<std::uint64_t>(*declared) < limit) {
    probe = static_cast<std::size_t>(*declared) + 1;
  }
  auto prefix = support::read_up_to(source, probe);
  if (!prefix) return std::unexpected(std::move(prefix.error()));
  PreparedBody body;
  if (prefix->size() < probe) {
    // Whole body in memory: checked, hashed, replayable.
    body.length = static_cast<std::int64_t>(prefix->size());
    if (declared && body.length != *declared) return length_mismatch(body.length, *declared);
    auto hash = support::sha256_hex(*prefix);
    if (!hash) return std::unexpected(std::move(hash.error()));
    body.payload_sha256 = std::move(*hash);
    body.owned = std::make_unique<MemorySource>(std::move(*prefix));
    body.source = body.owned.get();
    return body;
  }
  if (declared && static_cast<std::int64_t>(prefix->size()) > *declared) {
    return length_mismatch(static_cast<std::int64_t>(prefix->size()), *declared);
  }
  if (auto* replayable = dynamic_cast<support::ReplayableSource*>(&source)) {
    // A file: hash it first, then send it signed (and retryable).
    if (auto r = replayable->rewind(); !r) return std::unexpected(std::move(r.error()));
    std::int64_t length = 0;
    auto hash = sha256_hex_of_source(source, length);
    if (!hash) return std::unexpected(std::move(hash.error()));
    if (declared && length != *declared) return length_mismatch(length, *declared);
    if (auto r = replayable->rewind(); !r) return std::unexpected(std::move(r.error()));
    body.length = length;
    body.payload_sha256 = std::move(*hash);
    body.source = &source;
    return body;
  }
  if (declared) {
    // A one-shot stream of known length: streamed unsigned; the HTTP client enforces the length.
    body.length = *declared;
    body.payload_sha256 = std::string{kUnsignedPayload};
    body.owned = std::make_unique<support::PrefixedSource>(std::move(*prefix), source);
    body.source = body.owned.get();
    return body;
  }
  // Unknown length: spool to disk while hashing; S3 needs Content-Length up front.
  auto spool = FileSource::temporary(options_.spool_dir);
  if (!spool) return std::unexpected(std::move(spool.error()));
  std::int64_t length = 0;
  auto hash = sha256_hex_of_source(source, length, spool->get(), *prefix);
  if (!hash) return std::unexpected(std::move(hash.error()));
  if (auto r = (*spool)->rewind(); !r) return std::unexpected(std::move(r.error()));
  body.length = length;
  body.payload_sha256 = std::move(*hash);
  body.owned = std::move(*spool);
  body.source = body.owned.get();
  return body;
}

// ---- ObjectStore ----

Result<core::ObjectInfo> S3ObjectStore::put(std::string_view key, core::ByteSource& source,
                                            const core::PutOptions& options) {
  if (auto valid = core::validate_object_key(key); !valid) return std::unexpected(valid.error());
  auto body = prepare_body(source, options.content_length);
  if (!body) return std::unexpected(std::move(body.error()));
  auto response = send(builder_.put_object(key, options), body->source, body->length,
                       body->payload_sha256, nullptr);
  if (!response) return std::unexpected(std::move(response.error()));
  if (!ok_status(response->status)) {
    return std::unexpected(
        map_s3_error(response->status, parse_s3_error(response->body), "PutObject", key));
  }
  core::ObjectInfo info;
  info.key = std::string{key};
  info.size = body->length;
  info.etag = response->header("ETag").value_or("");
  info.content_type = options.content_type;
  info.checksum_sha256 = response->header("x-amz-checksum-sha256");
  if (!info.checksum_sha256 && body->payload_sha256 != kUnsignedPayload) {
    // The signed payload hash: S3 verified the body against it.
    if (auto digest = support::hex_decode(body->payload_sha256)) {
      info.checksum_sha256 = support::base64_encode(*digest);
    }
  }
  info.last_modified = clock_->now();
  return info;
}

Result<core::ObjectInfo> S3ObjectStore::get(std::string_view key, core::ByteSink& sink,
                                            std::optional<core::ByteRange> range) {
  if (auto valid = core::validate_object_key(key); !valid) return std::unexpected(valid.error());
  if (range && (range->first < 0 || (range->last && *range->last < range->first))) {
    return core::fail(ErrorCode::kInvalidRange,
                      fmt::format("range {} is malformed", range_header(*range)),
                      std::string{s3_public_message(ErrorCode::kInvalidRange)});
  }
  std::optional<std::int64_t> limit;
  if (range && range->last) limit = *range->last - range->first + 1;
  LimitSink limited{sink, limit};
  auto response = send(builder_.get_object(key, range), nullptr, std::nullopt, "", &limited);
  if (!response) return std::unexpected(std::move(response.error()));
  if (!ok_status(response->status)) {
    return std::unexpected(
        map_s3_error(response->status, parse_s3_error(response->body), "GetObject", key));
  }
  core::ObjectInfo info = info_from_headers(key, *response);
  if (range) {
    std::int64_t served_from = 0;
    if (response->status == 206) {
      auto content_range = parse_content_range(response->header("Content-Range").value_or(""));
      if (!content_range) {
        return core::fail(ErrorCode::kStorageError,
                          fmt::format("S3 GetObject '{}': 206 without a valid Content-Range", key));
      }
      served_from = content_range->first;
    }
    if (range->first >= info.size) {
      return core::fail(ErrorCode::kInvalidRange,
                        fmt::format("range {} starts past the {} byte object '{}'",
                                    range_header(*range), info.size, key),
                        std::string{s3_public_message(ErrorCode::kInvalidRange)});
    }
    if (served_from != range->first) {
      return core::fail(ErrorCode::kStorageError,
                        fmt::format("S3 GetObject '{}': asked for {}, served from byte {}", key,
                                    range_header(*range), served_from));
    }
  }
  return info;
}

Result<std::optional<core::ObjectInfo>> S3ObjectStore::head(std::string_view key) {
  if (auto valid = core::validate_object_key(key); !valid) return std::unexpected(valid.error());
  auto response = send(builder_.head_object(key), nullptr, std::nullopt, "", nullptr);
  if (!response) return std::unexpected(std::move(response.error()));
  if (response->status == 404) return std::optional<core::ObjectInfo>{};
  if (!ok_status(response->status)) {
    return std::unexpected(
        map_s3_error(response->status, parse_s3_error(response->body), "HeadObject", key));
  }
  return std::optional<core::ObjectInfo>{info_from_headers(key, *response)};
}

Status S3ObjectStore::remove(const std::vector<std::string>& keys) {
  for (const auto& key : keys) {
    if (auto valid = core::validate_object_key(key); !valid) return valid;
  }
  const auto batch = static_cast<std::size_t>(options_.delete_batch);
  for (std::size_t start = 0; start < keys.size(); start += batch) {
    const std::vector<std::string> chunk(
        keys.begin() + static_cast<std::ptrdiff_t>(start),
        keys.begin() + static_cast<std::ptrdiff_t>(std::min(keys.size(), start + batch)));
    MemorySource body{delete_objects_xml(chunk)};
    auto hash = support::sha256_hex(body.data());
    if (!hash) return std::unexpected(std::move(hash.error()));
    auto response = send(builder_.delete_objects(body.data()), &body,
                         static_cast<std::int64_t>(body.data().size()), *hash, nullptr);
    if (!response) return std::unexpected(std::move(response.error()));
    const auto error = parse_s3_error(response->body);
    if (!ok_status(response->status) || error) {
      return std::unexpected(map_s3_error(response->status, error, "DeleteObjects", chunk.front()));
    }
    auto result = parse_delete_result(response->body);
    if (!result) return std::unexpected(std::move(result.error()));
    for (const auto& [key, failure] : result->errors) {
      if (failure.code == "NoSuchKey") continue;  // absent keys are not an error
      return std::unexpected(map_s3_error(response->status, failure, "DeleteObjects", key));
    }
  }
  return {};
}

}  // namespace toq::aws

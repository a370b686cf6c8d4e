#include "adapter/http/error_mapper.hpp"

#include <variant>

#include <fmt/format.h>

namespace toq::http {
namespace {

using core::ErrorCode;

// 0: not a client-visible code (500 INTERNAL_ERROR).
int status_for(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidManifest:
    case ErrorCode::kInvalidRequest: return 400;
    case ErrorCode::kUnauthenticated: return 401;
    case ErrorCode::kForbidden: return 403;
    case ErrorCode::kListingNotFound:
    case ErrorCode::kBatchNotFound:
    case ErrorCode::kJobNotFound:
    case ErrorCode::kAssetNotFound: return 404;
    case ErrorCode::kOpenBatchExists:
    case ErrorCode::kListingNotReadyForUpload:
    case ErrorCode::kBatchNotPending:
    case ErrorCode::kBatchNotRetryable:
    case ErrorCode::kBatchNotDeletable: return 409;
    case ErrorCode::kFileTooLarge: return 413;
    case ErrorCode::kUnsupportedMediaType: return 415;
    case ErrorCode::kUploadIncomplete: return 422;
    case ErrorCode::kDatabaseBusy:
    case ErrorCode::kDatabaseUnavailable:
    case ErrorCode::kStoreUnavailable:
    case ErrorCode::kPipelineUnavailable:
    case ErrorCode::kInsufficientStorage: return 503;
    default: return 0;
  }
}

nlohmann::json details_json(const core::ErrorDetails& details) {
  return std::visit(
      [](const auto& d) -> nlohmann::json {
        using T = std::decay_t<decltype(d)>;
        if constexpr (std::is_same_v<T, core::FieldErrors>) {
          auto fields = nlohmann::json::array();
          for (const auto& f : d.fields) {
            fields.push_back({{"field", f.field}, {"reason", f.reason}, {"rule", f.rule}});
          }
          nlohmann::json out = {{"fields", std::move(fields)}};
          if (d.omitted > 0) out["omittedFields"] = d.omitted;
          return out;
        } else if constexpr (std::is_same_v<T, core::ConflictDetails>) {
          return {{d.what, d.id}};
        } else if constexpr (std::is_same_v<T, core::UploadIncompleteDetails>) {
          auto mismatched = nlohmann::json::array();
          for (const auto& m : d.mismatched) {
            mismatched.push_back({{"clientId", m.client_id}, {"reason", m.reason}});
          }
          return {{"missing", d.missing}, {"mismatched", std::move(mismatched)}};
        } else {
          return nullptr;
        }
      },
      details);
}

}  // namespace

HttpError map_error(const core::Error& error) {
  HttpError out;
  const int status = status_for(error.code);
  if (status == 0) {
    out.status = 500;
    out.internal = true;
    out.body = {{"code", "INTERNAL_ERROR"},
                {"message", "Internal error. The request id identifies it in the service logs."}};
    return out;
  }
  out.status = status;
  out.body = {{"code", core::to_string(error.code)}, {"message", error.client_message()}};
  if (auto details = details_json(error.details); !details.is_null()) {
    out.body["details"] = std::move(details);
  }
  if (status == 503) {
    // A full disk does not clear in a second; an operator has to act.
    out.retry_after_seconds = error.code == ErrorCode::kInsufficientStorage ? 60 : 1;
  }
  return out;
}

HttpError payload_too_large(std::int64_t limit_bytes) {
  HttpError out;
  out.status = 413;
  out.body = {{"code", "PAYLOAD_TOO_LARGE"},
              {"message", fmt::format("The request body is larger than {} bytes.", limit_bytes)},
              {"details", {{"maxBodyBytes", limit_bytes}}}};
  return out;
}

HttpError route_not_found() {
  HttpError out;
  out.status = 404;
  out.body = {{"code", "NOT_FOUND"}, {"message", "No such route."}};
  return out;
}

HttpError malformed_request(std::string_view what) {
  HttpError out;
  out.status = 400;
  out.body = {{"code", "INVALID_REQUEST"},
              {"message", fmt::format("The request is not valid HTTP/1.1: {}.", what)}};
  return out;
}

HttpError headers_too_large(std::size_t limit_bytes) {
  HttpError out;
  out.status = 431;
  out.body = {
      {"code", "HEADERS_TOO_LARGE"},
      {"message", fmt::format("The request headers are larger than {} bytes.", limit_bytes)},
      {"details", {{"maxHeaderBytes", limit_bytes}}}};
  return out;
}

HttpError server_busy(std::string_view what) {
  HttpError out;
  out.status = 503;
  out.body = {{"code", "SERVER_BUSY"},
              {"message", fmt::format("The server holds too many connections ({}); try again "
                                      "shortly.",
                                      what)}};
  out.retry_after_seconds = 1;
  return out;
}

}  // namespace toq::http

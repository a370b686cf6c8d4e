#pragma once
// JSON answers as the API writes them: Content-Type application/json, Cache-Control no-store, the
// body dumped with invalid UTF-8 replaced; errors from error_mapper's HttpError (401 adds
// WWW-Authenticate: Bearer, a retry delay adds Retry-After).

#include <string>

#include <nlohmann/json.hpp>

#include "adapter/http/error_mapper.hpp"
#include "adapter/http/server/exchange.hpp"

namespace toq::http {

Response json_response(int status, const nlohmann::json& body);
// The same for a body already written as JSON text.
Response json_text_response(int status, std::string body);
Response error_response(const HttpError& error);

}  // namespace toq::http

#include "adapter/http/json_response.hpp"

#include <string>
#include <utility>

namespace toq::http {

Response json_response(int status, const nlohmann::json& body) {
  return json_text_response(status,
                            body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

Response json_text_response(int status, std::string body) {
  Response out;
  out.status = status;
  out.headers = {{"Content-Type", "application/json"}, {"Cache-Control", "no-store"}};
  out.body = std::move(body);
  return out;
}

Response error_response(const HttpError& error) {
  Response out = json_response(error.status, error.body);
  if (error.status == 401) out.headers.emplace_back("WWW-Authenticate", "Bearer");
  if (error.retry_after_seconds > 0) {
    out.headers.emplace_back("Retry-After", std::to_string(error.retry_after_seconds));
  }
  return out;
}

}  // namespace toq::http

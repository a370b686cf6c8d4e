#include "adapter/http/handlers/api_handlers.hpp"

namespace toq::http::handlers {

ApiResponse handle_healthz() {
  return ApiResponse{200, {{"status", "ok"}}};
}

}  // namespace toq::http::handlers

#include "adapter/http/handlers/api_handlers.hpp"

namespace toq::http::handlers {

ApiResponse handle_readyz(
    const ApiServices& services,
    const std::function<void(std::string_view, const core::Error&)>& on_failure) {
  bool ready = true;
  nlohmann::json checks = nlohmann::json::object();
  const auto probe = [&](std::string_view name, const std::function<core::Status()>& check) {
    core::Status status =
        check ? check() : core::fail(core::ErrorCode::kInternal, "no readiness probe configured");
    if (status) {
      checks[std::string{name}] = "ok";
    } else {
      ready = false;
      checks[std::string{name}] = "unavailable";
      if (on_failure) on_failure(name, status.error());
    }
  };
  probe("database", services.check_database);
  probe("store", services.check_store);
  if (services.check_pipeline) probe("pipeline", services.check_pipeline);
  if (services.check_disk) probe("disk", services.check_disk);
  return ApiResponse{ready ? 200 : 503,
                     {{"status", ready ? "ready" : "unavailable"}, {"checks", std::move(checks)}}};
}

}  // namespace toq::http::handlers

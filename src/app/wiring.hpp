#pragma once
// The composition root: the only place that picks adapters for the ports.

#include <memory>

#include "core/port/database.hpp"

#include "app/config.hpp"

namespace toq::app {

// The Database adapter the configuration names. The embedded SQLite database migrates itself on
// open; CONFIG_INVALID for a driver this build does not provide yet.
core::Result<std::unique_ptr<core::Database>> open_database(const Config& config);

}  // namespace toq::app

#pragma once
// The configuration's rules beyond one key's own domain (internal to app/config): every key
// within its domain, the keys a choice requires (database.mysql.* with mysql, storage.s3.* with
// s3), and the limits keys put on each other (part size, multipart threshold, upload sizes).

#include "app/config.hpp"
#include "app/config/config_problems.hpp"

namespace toq::app::detail {

// Adds a problem for every rule `config` breaks; `origins` says where values came from.
void check_config(const Config& config, const Origins& origins, Problems& problems);

}  // namespace toq::app::detail

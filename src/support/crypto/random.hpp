#pragma once
// Random values from OpenSSL's CSPRNG: secrets, upload ids, request ids, process instance ids.

#include <cstddef>
#include <string>

#include "core/model/error.hpp"

namespace toq::support {

// `bytes` random bytes as lower-case hex (2 * bytes characters). INTERNAL when the CSPRNG fails.
core::Result<std::string> random_hex(std::size_t bytes);

// This process's name among every process that shares the database: "<host>:<pid>:<8 hex>", the
// lease owner of a worker and the claimer of the AWS start relay. The random part keeps two
// processes apart when host and pid repeat (containers, each its service as pid 1). `random` is
// the source of that part (random_hex; tests pass a failing one). When the host name or the
// random source cannot be read: INTERNAL with a hint, never a fixed stand-in, which two processes
// would then share, each taking the other's leases for its own.
using RandomHexSource = core::Result<std::string> (*)(std::size_t bytes);
core::Result<std::string> process_instance_id(RandomHexSource random = random_hex);

}  // namespace toq::support

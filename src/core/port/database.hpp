#pragma once
// The unit of work: every repository call runs inside one transaction of one Database.

#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

#include "core/model/error.hpp"
#include "core/port/asset_repository.hpp"
#include "core/port/batch_repository.hpp"
#include "core/port/job_repository.hpp"
#include "core/port/listing_repository.hpp"
#include "core/port/outbox_repository.hpp"

namespace toq::core {

// The repositories, bound to one open transaction. Valid only inside the callback that received it.
class UnitOfWork {
 public:
  virtual ~UnitOfWork() = default;
  virtual ListingRepository& listings() = 0;
  virtual BatchRepository& batches() = 0;
  virtual AssetRepository& assets() = 0;
  virtual JobRepository& jobs() = 0;
  virtual OutboxRepository& outbox() = 0;
};

// Contract (every adapter, checked by the conformance suite):
// - run() calls `work` once inside one serializable write transaction and commits exactly when it
//   returns success; on an error, or an exception escaping `work`, nothing it wrote is kept (an
//   exception becomes INTERNAL_ERROR). Either all of its writes are visible to others or none is,
//   also when the process dies half-way.
// - Safe to call from many threads at once; callers in other processes see the same guarantees.
// - DATABASE_BUSY when the transaction could not begin or commit within the busy timeout; the
//   caller may retry, as nothing was written.
class Database {
 public:
  virtual ~Database() = default;
  virtual Status run(const std::function<Status(UnitOfWork&)>& work) = 0;

  // Convenience: a transaction that yields a value.
  template <class F>
  auto transact(F&& work) -> std::invoke_result_t<F, UnitOfWork&> {
    using R = std::invoke_result_t<F, UnitOfWork&>;
    std::optional<R> out;
    auto status = run([&](UnitOfWork& uow) -> Status {
      out.emplace(work(uow));
      if (!out->has_value()) return std::unexpected(out->error());
      return {};
    });
    if (!status) return std::unexpected(status.error());
    return std::move(*out);
  }
};

}  // namespace toq::core

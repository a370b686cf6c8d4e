#pragma once
// The unit of work: every repository call runs inside one transaction of one Database.

#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

#include "core/model/error.hpp"
#include "core/port/asset_repository.hpp"
#include "core/port/batch_repository.hpp"
#include "core/port/execution_start_repository.hpp"
#include "core/port/job_repository.hpp"
#include "core/port/listing_repository.hpp"
#include "core/port/outbox_repository.hpp"
#include "core/port/work_item_repository.hpp"

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
  virtual ExecutionStartRepository& starts() = 0;
  virtual WorkItemRepository& items() = 0;
};

// Contract (every adapter, checked by tests/conformance/database_conformance.hpp and the port
// suites):
// - run() runs `work` inside one transaction and commits exactly when it returns success; on an
//   error, or an exception escaping `work`, nothing it wrote is kept (an exception becomes
//   INTERNAL_ERROR). Either all of its writes are visible to others or none is, also when the
//   process or the database server dies half-way.
// - Isolation is at least READ COMMITTED, not serializable: each read sees data committed before
//   it started, and a value read may have changed by the time `work` writes. What callers rely on
//   instead, and every adapter guarantees:
//   * a compare-and-set (the repositories' transition / start / finish / heartbeat ..., an UPDATE
//     whose WHERE names the expected state) is decided against the latest committed row, after
//     waiting for a concurrent writer of that row: exactly one of two racing moves wins, the other
//     gets STALE_STATE;
//   * the "at most one" rules are unique constraints of the schema (OPEN_BATCH_EXISTS,
//     JOB_ALREADY_ACTIVE, CONFLICT), never a read then a write;
//   * claim_next() (of jobs and of work items) never hands one row to two callers.
//   So a use case decides with a compare-and-set or a constraint, and re-reads after losing one
//   (CompleteUploadBatch, RetryBatch). (SQLite is in fact serializable: one writer at a time.)
// - `work` may run more than once: an adapter retries the whole transaction, with a bound, when
//   the database aborted it (deadlock, lock-wait timeout) or lost its connection before the commit
//   was sent; nothing of the aborted run is kept. `work` must therefore have no effect outside the
//   unit of work beyond assigning its results.
// - Safe to call from many threads at once; callers in other processes see the same guarantees.
// - DATABASE_BUSY when the transaction could not begin or commit in time (lock timeout, retries
//   exhausted, no free connection); nothing was written and the caller may retry.
// - DATABASE_UNAVAILABLE when the database server cannot be reached or the connection was lost;
//   nothing was written, except when the connection was lost while the commit was in flight (the
//   message says so): then the transaction may have committed, and a caller that retries must be
//   idempotent (the use cases are: a repeated complete or record answers from the stored state).
//   The next call reconnects by itself; no call waits longer than the adapter's timeouts.
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

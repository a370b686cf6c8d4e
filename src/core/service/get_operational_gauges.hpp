#pragma once
// Use case: what the operators' gauges show (GET /metrics): the processing queue, the webhook
// outbox and the AWS mode's start outbox as the database has them now, read in one transaction,
// with ages computed from the clock (0 when there is nothing of that kind; never negative).

#include "core/model/error.hpp"
#include "core/model/time.hpp"
#include "core/port/database.hpp"

namespace toq::core {

struct OperationalGauges {
  JobQueueStats jobs;
  OutboxStats outbox;
  OutboxStats starts;  // the AWS mode's start outbox (empty in the embedded mode)
  double oldest_queued_age_seconds = 0;
  double oldest_active_age_seconds = 0;
  double oldest_pending_event_age_seconds = 0;
  double oldest_pending_start_age_seconds = 0;
};

class GetOperationalGauges {
 public:
  struct Deps {
    Database& db;
    const Clock& clock;
  };

  explicit GetOperationalGauges(Deps deps) : deps_(deps) {}

  Result<OperationalGauges> run();

 private:
  Deps deps_;
};

}  // namespace toq::core

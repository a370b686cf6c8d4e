#include "adapter/http/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include <fmt/format.h>

namespace toq::http {
namespace {

void observe(std::vector<std::uint64_t>& buckets, std::span<const double> bounds, double value) {
  if (buckets.empty()) buckets.assign(bounds.size(), 0);
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    if (value <= bounds[i]) {
      ++buckets[i];
      return;
    }
  }
}

// Prometheus floats: shortest round-trip text; integers without a fraction.
std::string number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  return fmt::format("{}", v);
}

void header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

void histogram_lines(std::string& out, std::string_view name, std::string_view labels,
                     std::span<const double> bounds, const std::vector<std::uint64_t>& buckets,
                     std::uint64_t count, double sum) {
  const std::string sep = labels.empty() ? "" : ",";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    cumulative += buckets.empty() ? 0 : buckets[i];
    out += fmt::format("{}_bucket{{{}{}le=\"{}\"}} {}\n", name, labels, sep, number(bounds[i]),
                       cumulative);
  }
  out += fmt::format("{}_bucket{{{}{}le=\"+Inf\"}} {}\n", name, labels, sep, count);
  const std::string braces = labels.empty() ? "" : fmt::format("{{{}}}", labels);
  out += fmt::format("{}_sum{} {}\n", name, braces, number(sum));
  out += fmt::format("{}_count{} {}\n", name, braces, count);
}

// A counter family with one label over a fixed set of values, each shown (0 when never counted).
template <std::size_t N>
void fixed_counter(std::string& out, std::string_view name, std::string_view help,
                   std::string_view label, const std::array<std::string_view, N>& values,
                   const std::map<std::string, std::uint64_t, std::less<>>& counts) {
  header(out, name, "counter", help);
  for (const auto v : values) {
    const auto it = counts.find(v);
    out += fmt::format("{}{{{}=\"{}\"}} {}\n", name, label, v, it == counts.end() ? 0 : it->second);
  }
}

void gauge_line(std::string& out, std::string_view name, std::string_view help, double value) {
  header(out, name, "gauge", help);
  out += fmt::format("{} {}\n", name, number(value));
}

}  // namespace

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

void Metrics::http_request(std::string_view method, std::string_view route, int status,
                           double duration_seconds) {
  std::lock_guard lock{mutex_};
  ++http_requests_[{std::string{method}, std::string{route}, std::to_string(status)}];
  auto& h = http_durations_[{std::string{method}, std::string{route}}];
  observe(h.buckets, kHttpBuckets, duration_seconds);
  ++h.count;
  h.sum += duration_seconds;
}

void Metrics::media_batch_created() {
  std::lock_guard lock{mutex_};
  ++batches_created_;
}

void Metrics::media_batch_failed() {
  std::lock_guard lock{mutex_};
  ++batches_failed_;
}

void Metrics::media_batches_expired(std::uint64_t n) {
  std::lock_guard lock{mutex_};
  batches_expired_ += n;
}

void Metrics::media_asset_failed(std::string_view code) {
  std::lock_guard lock{mutex_};
  ++assets_failed_[std::string{code}];
}

void Metrics::media_job_started() {
  std::lock_guard lock{mutex_};
  ++inflight_;
}

void Metrics::media_job_finished(double duration_seconds) {
  std::lock_guard lock{mutex_};
  if (inflight_ > 0) --inflight_;
  observe_job(duration_seconds);
}

void Metrics::media_job_observed(double duration_seconds) {
  std::lock_guard lock{mutex_};
  observe_job(duration_seconds);
}

void Metrics::observe_job(double duration_seconds) {
  observe(processing_.buckets, kProcessingBuckets, duration_seconds);
  ++processing_.count;
  processing_.sum += duration_seconds;
}

void Metrics::media_asset_processed(std::string_view kind, double duration_seconds) {
  std::lock_guard lock{mutex_};
  auto& h = asset_processing_[std::string{kind}];
  observe(h.buckets, kAssetBuckets, duration_seconds);
  ++h.count;
  h.sum += duration_seconds;
}

void Metrics::set_queue_gauges(const QueueGauges& gauges) {
  std::lock_guard lock{mutex_};
  queue_ = gauges;
}

void Metrics::media_housekeeping_removed(std::string_view what, std::uint64_t n) {
  std::lock_guard lock{mutex_};
  housekeeping_removed_[std::string{what}] += n;
}

void Metrics::media_sweep_succeeded(std::string_view sweep, double unix_seconds) {
  std::lock_guard lock{mutex_};
  sweep_success_[std::string{sweep}] = unix_seconds;
}

void Metrics::expose_aws(bool start_dlq) {
  std::lock_guard lock{mutex_};
  aws_ = true;
  start_dlq_ = start_dlq;
}

void Metrics::media_execution_started() {
  std::lock_guard lock{mutex_};
  ++executions_started_;
}

void Metrics::media_execution_start_retried(std::string_view reason) {
  std::lock_guard lock{mutex_};
  ++start_retries_[std::string{reason}];
}

void Metrics::media_execution_failed(std::string_view reason) {
  std::lock_guard lock{mutex_};
  ++executions_failed_[std::string{reason}];
}

void Metrics::set_start_dlq_messages(std::int64_t n) {
  std::lock_guard lock{mutex_};
  start_dlq_messages_ = n;
}

std::string Metrics::expose() const {
  std::lock_guard lock{mutex_};
  std::string out;
  header(out, "http_requests_total", "counter",
         "HTTP requests answered, by method, route template and status.");
  for (const auto& [key, n] : http_requests_) {
    out += fmt::format("http_requests_total{{method=\"{}\",route=\"{}\",status=\"{}\"}} {}\n",
                       escape_label_value(key[0]), escape_label_value(key[1]),
                       escape_label_value(key[2]), n);
  }
  header(out, "http_request_duration_seconds", "histogram",
         "Time from the request's routing to its response, by method and route template.");
  for (const auto& [key, h] : http_durations_) {
    histogram_lines(out, "http_request_duration_seconds",
                    fmt::format("method=\"{}\",route=\"{}\"", escape_label_value(key[0]),
                                escape_label_value(key[1])),
                    kHttpBuckets, h.buckets, h.count, h.sum);
  }
  header(out, "media_batches_created_total", "counter", "Upload batches created.");
  out += fmt::format("media_batches_created_total {}\n", batches_created_);
  header(out, "media_batches_failed_total", "counter", "Batches whose processing ended FAILED.");
  out += fmt::format("media_batches_failed_total {}\n", batches_failed_);
  header(out, "media_batches_expired_total", "counter",
         "Upload batches left PENDING_UPLOAD past uploads.expireAfterSeconds and closed.");
  out += fmt::format("media_batches_expired_total {}\n", batches_expired_);
  header(out, "media_assets_failed_total", "counter", "Assets that failed, by error code.");
  for (const auto& [code, n] : assets_failed_) {
    out +=
        fmt::format("media_assets_failed_total{{code=\"{}\"}} {}\n", escape_label_value(code), n);
  }
  header(out, "media_processing_inflight_jobs", "gauge", "Processing jobs running now.");
  out += fmt::format("media_processing_inflight_jobs {}\n", inflight_);
  header(out, "media_processing_duration_seconds", "histogram",
         "Wall time of finished processing jobs.");
  histogram_lines(out, "media_processing_duration_seconds", "", kProcessingBuckets,
                  processing_.buckets, processing_.count, processing_.sum);
  header(out, "media_asset_processing_duration_seconds", "histogram",
         "Time to process one asset and record its result, by kind (photo, video, project).");
  for (const auto& [kind, h] : asset_processing_) {
    histogram_lines(out, "media_asset_processing_duration_seconds",
                    fmt::format("kind=\"{}\"", escape_label_value(kind)), kAssetBuckets, h.buckets,
                    h.count, h.sum);
  }
  const auto gauge = [&out](std::string_view name, std::string_view help, double value) {
    gauge_line(out, name, help, value);
  };
  gauge("media_jobs_queued", "Processing jobs waiting (QUEUED), from the database.",
        static_cast<double>(queue_.jobs_queued));
  gauge("media_jobs_running", "Processing jobs RUNNING, from the database.",
        static_cast<double>(queue_.jobs_running));
  gauge("media_jobs_oldest_queued_age_seconds",
        "Age of the oldest QUEUED job (since its creation); 0 when none.",
        queue_.oldest_queued_age_seconds);
  gauge("media_jobs_oldest_active_age_seconds",
        "Age of the oldest QUEUED or RUNNING job (since its creation); 0 when none.",
        queue_.oldest_active_age_seconds);
  gauge("media_outbox_pending", "Webhook events not delivered yet.",
        static_cast<double>(queue_.outbox_pending));
  gauge("media_outbox_oldest_pending_age_seconds",
        "Age of the oldest undelivered webhook event; 0 when none.",
        queue_.outbox_oldest_age_seconds);
  expose_sweeps(out);
  if (aws_) expose_aws_families(out);
  return out;
}

void Metrics::expose_sweeps(std::string& out) const {
  fixed_counter(
      out, "media_housekeeping_removed_total",
      "What the sweeps removed, by what: deleted_batch_objects and ready_raw_uploads (batches), "
      "abandoned_uploads (expired batches' raw objects), jobs, outbox_events.",
      "what", kHousekeepingItems, housekeeping_removed_);
  header(out, "media_sweep_last_success_timestamp_seconds", "gauge",
         "Unix time of the last run of each sweep (housekeeping, upload_expiry) that ended "
         "without a database error; 0 before the first.");
  for (const auto sweep : kSweeps) {
    const auto it = sweep_success_.find(sweep);
    out += fmt::format("media_sweep_last_success_timestamp_seconds{{sweep=\"{}\"}} {}\n", sweep,
                       number(it == sweep_success_.end() ? 0 : it->second));
  }
}

void Metrics::expose_aws_families(std::string& out) const {
  header(out, "media_executions_started_total", "counter",
         "Step Functions executions (or SQS start messages) the relay got accepted.");
  out += fmt::format("media_executions_started_total {}\n", executions_started_);
  fixed_counter(out, "media_execution_start_retries_total",
                "Starts that failed and were rescheduled, by reason: unavailable (throttled, 5xx, "
                "network) or refused.",
                "reason", kStartRetryReasons, start_retries_);
  fixed_counter(
      out, "media_executions_failed_total",
      "Processing runs that ended FAILED, by reason: reported by the pipeline, or overdue "
      "(no report by the deadline; the DescribeExecution check failed the job).",
      "reason", kExecutionFailureReasons, executions_failed_);
  gauge_line(out, "media_execution_starts_pending",
             "Execution starts in the start outbox not accepted yet.",
             static_cast<double>(queue_.starts_pending));
  gauge_line(out, "media_execution_starts_oldest_pending_age_seconds",
             "Age of the oldest execution start not accepted yet; 0 when none.",
             queue_.starts_oldest_age_seconds);
  if (start_dlq_) {
    gauge_line(out, "media_start_dlq_messages",
               "Messages in the start queue's dead-letter queue (SQS ApproximateNumberOfMessages; "
               "read at most every 15 s).",
               static_cast<double>(start_dlq_messages_));
  }
}

RouteTemplates::RouteTemplates(std::vector<std::string> templates)
    : templates_(std::move(templates)) {}

std::string_view RouteTemplates::match(std::string_view path) const {
  if (path.starts_with("/storage/")) return "/storage/{key}";
  for (const auto& t : templates_) {
    std::string_view tv = t;
    std::string_view p = path;
    bool ok = true;
    while (ok && !tv.empty() && !p.empty()) {
      if (tv.front() == '{') {
        const auto close = tv.find('}');
        const auto seg = p.find('/');
        const auto seg_len = seg == std::string_view::npos ? p.size() : seg;
        if (close == std::string_view::npos || seg_len == 0) {
          ok = false;
          break;
        }
        tv.remove_prefix(close + 1);
        p.remove_prefix(seg_len);
      } else if (tv.front() == p.front()) {
        tv.remove_prefix(1);
        p.remove_prefix(1);
      } else {
        ok = false;
      }
    }
    if (ok && tv.empty() && p.empty()) return t;
  }
  return "unmatched";
}

}  // namespace toq::http

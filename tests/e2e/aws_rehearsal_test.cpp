// The AWS path's start relay against transient failures and SIGKILL, on the offline rehearsal
// (scripts/services.sh mariadb s3 aws, whatever TOQ_E2E_BACKEND says): serve in processing.mode
// aws relays each job run to the rehearsal's Step Functions, whose tasks run this build's
// `toq-media lambda`, and takes the signed callback. The rehearsal's journal (starts.jsonl: every
// StartExecution it received, with the SHA-256 of its input) and its executions are the witnesses.

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "core/model/time.hpp"

#include "adapter/webhook/webhook_secret.hpp"
#include "adapter/webhook/webhook_signer.hpp"
#include "e2e/e2e_fixture.hpp"

namespace toq::e2e {
namespace {

class AwsRehearsal : public ServiceTest {
 protected:
  // A claim lapses after 3 s, so a restarted serve takes over a killed one's starts quickly.
  std::map<std::string, std::string> settings() const override {
    return {{"TOQ_MEDIA_PROCESSING_LEASE_SECONDS", "3"}};
  }
  ServiceBackends::When backends() const override { return ServiceBackends::When::kWithAws; }

  // The StartExecution calls the rehearsal received for execution `name`, in order.
  std::vector<nlohmann::json> starts_of(const std::string& name) const {
    std::vector<nlohmann::json> out;
    const auto file = tmp_.path() / "services" / "aws" / "starts.jsonl";
    if (!std::filesystem::exists(file)) return out;  // written at the first StartExecution
    std::istringstream journal{read_file(file)};
    for (std::string line; std::getline(journal, line);) {
      if (line.empty()) continue;
      auto start = nlohmann::json::parse(line);
      if (start.at("name") == name) out.push_back(std::move(start));
    }
    return out;
  }

  // The rehearsal's executions named `name`.
  int executions_named(const std::string& name) const {
    const auto state = Client::get(backends_->rehearsal_url() + "/_rehearsal/state");
    EXPECT_EQ(state.status, 200) << state.body;
    int n = 0;
    const auto body = nlohmann::json::parse(state.body);
    for (const auto& e : body.at("executions")) {
      if (e.at("name") == name) ++n;
    }
    return n;
  }

  void rehearsal(const std::string& route, const std::string& body) const {
    HttpCall call;
    call.method = "POST";
    call.url = backends_->rehearsal_url() + route;
    call.body = body;
    ASSERT_EQ(testing::http(call).status, 200) << route;
  }

  // The JSON lines of `text` that contain `needle` anywhere (what `grep -F` would print).
  static std::vector<nlohmann::json> lines_with(const std::string& text,
                                                const std::string& needle) {
    std::vector<nlohmann::json> out;
    std::istringstream lines{text};
    for (std::string line; std::getline(lines, line);) {
      if (line.find(needle) == std::string::npos) continue;
      auto parsed = nlohmann::json::parse(line, nullptr, false);
      if (parsed.is_object()) out.push_back(std::move(parsed));
    }
    return out;
  }
  static bool has_msg(const std::vector<nlohmann::json>& lines, const std::string& msg) {
    return std::ranges::any_of(lines, [&](const auto& l) { return l.value("msg", "") == msg; });
  }

  // One photo submitted and completed; the name of its run-1 execution.
  std::pair<std::int64_t, std::string> submit_one(std::int64_t listing, std::int64_t sequence) {
    const auto batch = client_->submit(
        listing, {load({"p-" + std::to_string(sequence), "photo_kleiber.jpg", "PHOTO_HORIZONTAL",
                        "image/jpeg", "IMG_" + std::to_string(3200 + sequence) + ".jpg", "Vista",
                        sequence})});
    const auto jobs = jobs_of(batch);
    EXPECT_EQ(jobs.size(), 1U) << jobs.dump();
    return {batch, "job-" + std::to_string(jobs.at(0).at("id").get<std::int64_t>()) + "-r1"};
  }

  // `faults` queued for the next StartExecution calls, then one photo submitted under `listing`
  // and run to READY; the batch and the name of its run-1 execution.
  std::pair<std::int64_t, std::string> ready_through(const std::string& faults,
                                                     std::int64_t listing, std::int64_t sequence) {
    rehearsal("/_rehearsal/faults", R"({"startExecution":)" + faults + "}");
    client_->register_listing(listing);
    const auto run = submit_one(listing, sequence);
    const auto status = client_->wait_terminal(listing, run.first);
    EXPECT_EQ(status.at("status"), "READY") << status.dump(1);
    return run;
  }
};

// Throttling, then a 500: the start is retried with backoff, every attempt sends the same input
// bytes, and exactly one execution runs.
TEST_F(AwsRehearsal, StartRetriedThroughThrottlingAndServerErrorRunsOnce) {
  const auto [batch, name] = ready_through(R"(["throttle","error500"])", 31, 1);
  ASSERT_FALSE(HasFailure());

  std::vector<std::string> outcomes;
  std::set<std::string> input_hashes;
  for (const auto& start : starts_of(name)) {
    outcomes.push_back(start.at("outcome"));
    input_hashes.insert(start.at("inputSha256").get<std::string>());
  }
  EXPECT_EQ(outcomes, (std::vector<std::string>{"throttled", "error500", "started"}));
  EXPECT_EQ(input_hashes.size(), 1U) << "every attempt sends the same input bytes";
  EXPECT_EQ(executions_named(name), 1);
  const auto jobs = jobs_of(batch);
  ASSERT_EQ(jobs.size(), 1U);

  // /metrics counts the two retried attempts (both transient) and the accepted start.
  const auto metrics = scrape();
  EXPECT_EQ(sample(metrics, "media_executions_started_total"), 1) << metrics;
  EXPECT_EQ(sample(metrics, "media_execution_start_retries_total{reason=\"unavailable\"}"), 2)
      << metrics;
  EXPECT_EQ(sample(metrics, "media_execution_start_retries_total{reason=\"refused\"}"), 0);
  EXPECT_EQ(sample(metrics, "media_execution_starts_pending"), 0) << metrics;
  EXPECT_EQ(sample(metrics, "media_executions_failed_total{reason=\"reported\"}"), 0);
  // The applied report: the run's time and the photo's (its result document's processingMs)
  // observed once; nothing failed.
  EXPECT_EQ(sample(metrics, "media_processing_duration_seconds_count"), 1) << metrics;
  EXPECT_GT(sample(metrics, "media_processing_duration_seconds_sum"), 0) << metrics;
  EXPECT_EQ(sample(metrics, "media_asset_processing_duration_seconds_count{kind=\"photo\"}"), 1)
      << metrics;
  EXPECT_GT(sample(metrics, "media_asset_processing_duration_seconds_sum{kind=\"photo\"}"), 0);
  EXPECT_EQ(sample(metrics, "media_batches_failed_total"), 0) << metrics;
  EXPECT_EQ(metrics.find("media_assets_failed_total{"), std::string::npos) << metrics;

  // One grep of the job's trace over serve's log and the Lambda's follows the batch: the relay's
  // attempts and its start, the callback's request and the report applied, every task invocation.
  const std::string trace = jobs[0].at("traceparent");
  ASSERT_EQ(trace.size(), 55U) << trace;
  const auto serve_lines = lines_with(server_->log_text(), trace);
  EXPECT_TRUE(has_msg(serve_lines, "execution start failed; retrying later"));
  EXPECT_TRUE(has_msg(serve_lines, "execution started")) << server_->log_text();
  EXPECT_TRUE(has_msg(serve_lines, "processing report applied")) << server_->log_text();
  EXPECT_TRUE(std::ranges::any_of(serve_lines, [](const auto& l) {
    return l.value("msg", "") == "request" &&
           l.value("path", "") == "/api/v2/listings/media/callback";
  })) << "the callback's access line";
  const auto lambda_lines =
      lines_with(read_file(tmp_.path() / "services" / "aws" / "lambda.log"), trace);
  EXPECT_TRUE(std::ranges::any_of(lambda_lines, [&](const auto& l) {
    return l.value("batch_id", std::int64_t{0}) == batch;
  })) << "the Lambda's lines carry the trace and the batch";
  for (const auto& l : lambda_lines) {
    if (l.contains("batch_id")) {
      EXPECT_EQ(l.at("batch_id"), batch) << l;
    }
  }
}

// serve SIGKILLed at each step of a start: before the call reached Step Functions (the request
// held, no execution yet), after the execution was created but before the answer came back (the
// row not marked), and during the backoff after a throttled attempt. serve comes back on the same
// data; the claim lapses and the start is sent again with the same name and bytes (unless the
// execution's report marked it first), and each job run has exactly one execution and ends READY.
TEST_F(AwsRehearsal, RelaySigkilledAtEveryStepStartsEachRunOnce) {
  const std::vector<std::pair<std::string, std::string>> kill_points = {
      {"hold-before", "held-before"},
      {"hold-after", "started+held-after"},
      {"throttle", "throttled"}};
  std::int64_t sequence = 0;
  for (const auto& [fault, seen] : kill_points) {
    SCOPED_TRACE(fault);
    // A listing per kill point: a READY batch takes its listing out of the upload states.
    const std::int64_t listing = 40 + ++sequence;
    client_->register_listing(listing);
    rehearsal("/_rehearsal/faults", R"({"startExecution":[")" + fault + R"("]})");
    const auto [batch, name] = submit_one(listing, sequence);
    // Wait until the relay's call reached the chosen step, then kill serve there.
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds{60};
    while (starts_of(name).empty() && std::chrono::steady_clock::now() < end) {
      std::this_thread::sleep_for(std::chrono::milliseconds{20});
    }
    const auto before = starts_of(name);
    ASSERT_EQ(before.size(), 1U);
    EXPECT_EQ(before[0].at("outcome"), seen);
    if (fault == "hold-before") {
      // The start is held unanswered: the start outbox gauge shows it, with its age.
      const auto metrics = scrape();
      EXPECT_EQ(sample(metrics, "media_execution_starts_pending"), 1) << metrics;
      EXPECT_GT(sample(metrics, "media_execution_starts_oldest_pending_age_seconds"), 0);
    }
    restart_server(SIGKILL);
    rehearsal("/_rehearsal/release", "{}");

    const auto status = client_->wait_terminal(listing, batch);
    ASSERT_EQ(status.at("status"), "READY") << status.dump(1);
    const auto starts = starts_of(name);
    if (fault == "hold-after") {
      // The execution ran and its report marked the start row (begin_execution): the restarted
      // relay may find nothing left to send.
      EXPECT_LE(starts.size(), 2U);
    } else {
      // No execution before the kill: the restarted relay sent the start.
      ASSERT_EQ(starts.size(), 2U);
      EXPECT_EQ(starts.back().at("outcome"), "started");
    }
    std::set<std::string> hashes;
    for (const auto& s : starts) hashes.insert(s.at("inputSha256").get<std::string>());
    EXPECT_EQ(hashes.size(), 1U) << "the same bytes on every attempt";
    EXPECT_EQ(executions_named(name), 1) << "exactly one execution for " << name;
    EXPECT_EQ(jobs_of(batch).size(), 1U);
  }
}

// Two serve replicas on one database relaying at once. The first start call is held inside the
// rehearsal (before it reaches Step Functions) until the relay's claim lapses: the other replica
// claims the row and sends the same start; when the held call is let go its relay finds the row
// taken over. Two more batches are relayed by whichever replica claims them first. Every job run
// has exactly one execution and ends READY.
TEST_F(AwsRehearsal, TwoReplicasRelayingAtOnceStartEachRunOnce) {
  auto env = env_;
  env["TOQ_MEDIA_SERVER_LISTEN"] = "127.0.0.1:0";  // the first replica holds the callback's port
  ServeProcess replica(data_dir(), env, tmp_.path() / "serve-replica.log");
  rehearsal("/_rehearsal/faults", R"({"startExecution":["hold-before"]})");
  std::vector<std::pair<std::int64_t, std::string>> runs;
  std::vector<std::int64_t> listings;
  for (std::int64_t sequence = 1; sequence <= 3; ++sequence) {
    const std::int64_t listing = 60 + sequence;
    client_->register_listing(listing);
    listings.push_back(listing);
    runs.push_back(submit_one(listing, sequence));
  }
  // The held call, then the same start from the replica that claimed the row after the lapse.
  std::string held;
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds{60};
  while (std::chrono::steady_clock::now() < end) {
    for (const auto& [batch, name] : runs) {
      const auto starts = starts_of(name);
      if (!starts.empty() && starts[0].at("outcome") == "held-before" && starts.size() >= 2) {
        held = name;
      }
    }
    if (!held.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
  }
  ASSERT_FALSE(held.empty()) << "no replica took over the held start";
  rehearsal("/_rehearsal/release", "{}");

  for (std::size_t i = 0; i < runs.size(); ++i) {
    const auto& [batch, name] = runs[i];
    SCOPED_TRACE(name);
    const auto status = client_->wait_terminal(listings[i], batch);
    ASSERT_EQ(status.at("status"), "READY") << status.dump(1);
    EXPECT_EQ(executions_named(name), 1) << "exactly one execution for " << name;
    EXPECT_EQ(jobs_of(batch).size(), 1U);
    int started = 0;
    std::set<std::string> hashes;
    for (const auto& start : starts_of(name)) {
      if (start.at("outcome") == "started") ++started;
      hashes.insert(start.at("inputSha256").get<std::string>());
    }
    EXPECT_EQ(started, 1) << "one StartExecution created the execution";
    EXPECT_EQ(hashes.size(), 1U) << "the same bytes from both replicas";
  }
  EXPECT_EQ(replica.stop(SIGTERM), 0);
}

// An execution lost after its start was accepted (the rehearsal answers the start and never runs
// it): past the job's report deadline, serve's overdue check asks DescribeExecution, which says it
// does not exist, and fails the job with PROCESSING_TIMEOUT. /metrics counts the overdue run and
// the failed batch; the check's line carries the job's trace.
TEST_F(AwsRehearsal, LostExecutionIsFailedByTheOverdueCheckAndCounted) {
  rehearsal("/_rehearsal/faults", R"({"startExecution":["vanish"]})");
  const std::int64_t listing = 35;
  client_->register_listing(listing);
  const auto [batch, name] = submit_one(listing, 1);
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds{60};
  while (jobs_of(batch).at(0).at("status") != "RUNNING" && std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
  }
  ASSERT_EQ(jobs_of(batch).at(0).at("status"), "RUNNING");
  EXPECT_EQ(executions_named(name), 0);
  // The deadline (aws.reportDeadlineSeconds, at least a minute) moved to the past: the restarted
  // serve's first check, at its start, finds the job overdue.
  sql(data_dir(),
      "UPDATE jobs SET lease_expires_at = 1000 WHERE batch_id = " + std::to_string(batch));
  restart_server(SIGTERM);
  const auto status = client_->wait_terminal(listing, batch);
  ASSERT_EQ(status.at("status"), "FAILED") << status.dump(1);
  const auto jobs = jobs_of(batch);
  ASSERT_EQ(jobs.size(), 1U);
  EXPECT_EQ(jobs[0].at("error_code"), "PROCESSING_TIMEOUT");
  const auto metrics = scrape();
  EXPECT_EQ(sample(metrics, "media_executions_failed_total{reason=\"overdue\"}"), 1) << metrics;
  EXPECT_EQ(sample(metrics, "media_executions_failed_total{reason=\"reported\"}"), 0);
  EXPECT_EQ(sample(metrics, "media_batches_failed_total"), 1) << metrics;
  const auto failed = server_->find_log("execution never reported; job failed");
  ASSERT_TRUE(failed.has_value()) << server_->log_text();
  EXPECT_EQ(failed->value("traceparent", ""), jobs[0].at("traceparent").get<std::string>())
      << failed->dump();
  EXPECT_EQ(failed->value("execution_status", ""), "NOT_FOUND");
}

// aws.startVia sqs: serve sends each start to the rehearsal's start queue (maxReceiveCount 3,
// visibility 2 s: deploy/aws/local/main.ts), whose event source mapping invokes the real
// `toq-media lambda starter`. The starter names a record it could not start in
// batchItemFailures; Lambda then leaves only that record in the queue, to be received again after
// the visibility timeout, and SQS moves a message received maxReceiveCount times to the
// dead-letter queue (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html,
// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html).
class AwsRehearsalSqs : public AwsRehearsal {
 protected:
  std::map<std::string, std::string> settings() const override {
    auto s = AwsRehearsal::settings();
    s["TOQ_MEDIA_AWS_START_VIA"] = "sqs";
    return s;
  }

  nlohmann::json state() const {
    const auto state = Client::get(backends_->rehearsal_url() + "/_rehearsal/state");
    EXPECT_EQ(state.status, 200) << state.body;
    return nlohmann::json::parse(state.body);
  }
};

// The callback route (POST /api/v2/listings/media/callback) after the pipeline reported a READY
// batch: a forged signature, a timestamp past the 5-minute tolerance and an unknown job are
// rejected; the same report again (a repeated delivery) is accepted as already applied. None of
// them changes the job, the batch, the listing, the webhooks sent or what /metrics observed.
TEST_F(AwsRehearsal, CallbackRejectsForgeriesAndAppliesAReportOnce) {
  const std::int64_t listing = 33;
  client_->register_listing(listing);
  const auto [batch, name] = submit_one(listing, 1);
  const auto status = client_->wait_terminal(listing, batch);
  ASSERT_EQ(status.at("status"), "READY") << status.dump(1);
  const std::int64_t job = status.at("job").at("jobId");
  const std::int64_t asset = status.at("assets").at(0).at("assetId");
  wait_delivery("media.batch.ready", batch, job);
  const auto jobs_before = jobs_of(batch);
  ASSERT_EQ(jobs_before.size(), 1U);
  const auto& row = jobs_before[0];

  // The report the pipeline sent, rebuilt from what it recorded.
  const std::string out = batch_prefix(listing, batch) + "out/" + std::to_string(job) + "/";
  const nlohmann::json report = {{"jobId", job},
                                 {"batchId", batch},
                                 {"run", 1},
                                 {"status", "SUCCEEDED"},
                                 {"assets",
                                  {{{"assetId", asset},
                                    {"status", "READY"},
                                    {"resultKey", out + std::to_string(asset) + "/result.json"}}}},
                                 {"zip",
                                  {{"key", row.at("archive_key")},
                                   {"bytes", row.at("archive_bytes")},
                                   {"sha256", row.at("archive_sha256_hex")}}}};
  const auto env = backends_->env();
  const std::string url =
      "http://" + env.at("TOQ_MEDIA_SERVER_LISTEN") + "/api/v2/listings/media/callback";
  auto post = [&](const std::string& secret_text, core::Timestamp at, const nlohmann::json& body,
                  const std::string& id) {
    const auto secret = webhook::WebhookSecret::parse(secret_text);
    EXPECT_TRUE(secret.has_value());
    const std::string text = body.dump();
    const auto headers = webhook::sign(*secret, id, at, text);
    EXPECT_TRUE(headers.has_value());
    HttpCall call;
    call.method = "POST";
    call.url = url;
    call.headers = {{"Content-Type", "application/json"},
                    {"webhook-id", headers->id},
                    {"webhook-timestamp", headers->timestamp},
                    {"webhook-signature", headers->signature}};
    call.body = text;
    return testing::http(call);
  };
  const std::string secret = env.at("TOQ_MEDIA_AWS_CALLBACK_SECRET");
  const auto now = core::SystemClock{}.now();
  // The pipeline's own report was observed once: the run and its photo.
  const std::vector<std::pair<std::string, double>> observed = {
      {"media_processing_duration_seconds_count", 1},
      {"media_asset_processing_duration_seconds_count{kind=\"photo\"}", 1},
      {"media_batches_failed_total", 0}};
  const auto unchanged = [&] {
    EXPECT_EQ(jobs_of(batch), jobs_before);
    EXPECT_EQ(client_->status(listing, batch).at("status"), "READY");
    EXPECT_EQ(client_->listing_status(listing), "PENDING_OWNER_APPROVAL");
    EXPECT_EQ(deliveries("media.batch.ready", batch).size(), 1U);
    const auto metrics = scrape();
    for (const auto& [series, n] : observed) EXPECT_EQ(sample(metrics, series), n) << series;
  };
  unchanged();

  const auto forged = post("forged-secret-of-at-least-24-chars", now, report, "msg_forged");
  EXPECT_EQ(forged.status, 401) << forged.body;
  unchanged();
  const auto stale = post(secret, now - std::chrono::minutes(6), report, "msg_stale");
  EXPECT_EQ(stale.status, 401) << stale.body;
  unchanged();
  auto unknown_report = report;
  unknown_report["jobId"] = job + 100000;
  const auto unknown = post(secret, now, unknown_report, "msg_unknown");
  EXPECT_EQ(unknown.status, 404) << unknown.body;
  unchanged();
  const auto again = post(secret, now, report, "msg_again");
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(nlohmann::json::parse(again.body).at("status"), "already_applied") << again.body;
  unchanged();
  // The same delivery replayed byte for byte (same id, timestamp and signature).
  const auto replayed = post(secret, now, report, "msg_again");
  EXPECT_EQ(replayed.status, 200) << replayed.body;
  EXPECT_EQ(nlohmann::json::parse(replayed.body).at("status"), "already_applied") << replayed.body;
  unchanged();
}

// A start that is throttled on every receive lands in the dead-letter queue after the third, with
// no execution; /metrics shows the DLQ's depth (GetQueueAttributes on
// aws.startDeadLetterQueueUrl) and the start serve got accepted (the message sent). One throttled
// on two receives starts on the third, once, and its batch is READY.
TEST_F(AwsRehearsalSqs, StartFailingOnEveryReceiveLandsInTheDeadLetterQueue) {
  const auto before = scrape();
  EXPECT_NE(before.find("# TYPE media_start_dlq_messages gauge"), std::string::npos) << before;
  EXPECT_EQ(sample(before, "media_start_dlq_messages"), 0);
  rehearsal("/_rehearsal/faults", R"({"startExecution":["throttle","throttle","throttle"]})");
  const std::int64_t listing = 71;
  client_->register_listing(listing);
  const auto [batch, name] = submit_one(listing, 1);
  nlohmann::json dead;
  // The depth on /metrics is read at most every 15 s: wait for both.
  std::string metrics = scrape();
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds{90};
  while ((dead.empty() || sample(metrics, "media_start_dlq_messages") < 1) &&
         std::chrono::steady_clock::now() < end) {
    const auto dlq = state().at("dlq");
    if (!dlq.empty()) dead = dlq;
    std::this_thread::sleep_for(std::chrono::milliseconds{250});
    metrics = scrape();
  }
  ASSERT_EQ(dead.size(), 1U) << "no start message reached the dead-letter queue";
  EXPECT_EQ(sample(metrics, "media_start_dlq_messages"), 1) << metrics;
  EXPECT_EQ(sample(metrics, "media_executions_started_total"), 1) << metrics;
  EXPECT_EQ(dead[0].at("receives"), 3);
  const auto message = nlohmann::json::parse(dead[0].at("body").get<std::string>());
  EXPECT_EQ(message.at("name"), name);
  const auto starts = starts_of(name);
  ASSERT_EQ(starts.size(), 3U) << "one StartExecution per receive";
  std::set<std::string> hashes;
  for (const auto& s : starts) {
    EXPECT_EQ(s.at("outcome"), "throttled");
    hashes.insert(s.at("inputSha256").get<std::string>());
  }
  EXPECT_EQ(hashes.size(), 1U) << "every receive carries the same input bytes";
  EXPECT_EQ(executions_named(name), 0);
  EXPECT_EQ(state().at("queued"), 0) << "the message left the start queue";
  EXPECT_EQ(client_->status(listing, batch).at("status"), "PROCESSING");
  EXPECT_EQ(jobs_of(batch).size(), 1U);

  // Fewer failures than maxReceiveCount: the third receive starts the execution.
  const auto [second, second_name] = ready_through(R"(["throttle","throttle"])", 72, 2);
  ASSERT_FALSE(HasFailure());
  std::vector<std::string> outcomes;
  for (const auto& s : starts_of(second_name)) outcomes.push_back(s.at("outcome"));
  EXPECT_EQ(outcomes, (std::vector<std::string>{"throttled", "throttled", "started"}));
  EXPECT_EQ(executions_named(second_name), 1);
  EXPECT_EQ(state().at("dlq").size(), 1U) << "only the first message is dead";
  EXPECT_EQ(sample(scrape(), "media_executions_started_total"), 2);
}

}  // namespace
}  // namespace toq::e2e

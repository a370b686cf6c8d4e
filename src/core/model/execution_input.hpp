#pragma once
// The execution input of one job's Step Functions execution (docs/aws-pipeline.md, "Execution
// input"; deploy/aws/contract/execution-input.schema.json). serve writes it, serialized, into the
// outbox row in the transaction that creates the job, and the relay sends those bytes unchanged on
// every attempt: Step Functions treats a repeated start with the same name AND the same input as
// the same execution, so the bytes must never be regenerated.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/ids.hpp"
#include "core/model/manifest.hpp"

namespace toq::core {

inline constexpr int kExecutionInputVersion = 1;
// Step Functions' MaxConcurrency for the asset Map: 1..40 (the contract's range).
inline constexpr int kMaxMapConcurrency = 40;
// A batch the state machine processes holds at most this many assets (the payload budget).
inline constexpr std::size_t kMaxAssetsPerExecution = 100;

struct ExecutionAsset {
  AssetId asset;
  FileDeclaration declared;
  std::string raw_key;  // raw_key(listing, batch, asset)
  friend bool operator==(const ExecutionAsset&, const ExecutionAsset&) = default;
};

enum class ArchiveRunner : std::uint8_t { kLambda, kFargate };
std::string_view to_string(ArchiveRunner runner);  // "lambda" | "fargate"

struct ExecutionInput {
  int version = kExecutionInputVersion;
  JobId job;
  BatchId batch;
  ListingId listing;
  std::int32_t run = 1;
  std::string bucket;
  std::string output_prefix;  // job_output_prefix(listing, batch, job)
  std::string traceparent;    // W3C trace context of the request that completed or retried
  int max_concurrency = 10;
  ArchiveRunner archive_runner = ArchiveRunner::kLambda;
  std::vector<ExecutionAsset> assets;  // ascending asset id
  friend bool operator==(const ExecutionInput&, const ExecutionInput&) = default;
};

// The exact bytes: compact JSON, keys in the order the schema's `required` lists them, integers in
// plain decimal, strings escaped as JavaScript's JSON.stringify does
// (support::json_stringify_quote). Byte for byte what `serializeExecutionInput` in
// deploy/aws/test/support/fixtures.ts produces.
std::string serialize_execution_input(const ExecutionInput& input);

}  // namespace toq::core

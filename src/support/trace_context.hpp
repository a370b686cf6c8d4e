#pragma once
// The W3C Trace Context `traceparent` header (https://www.w3.org/TR/trace-context/, section 3.2):
// one parser and one generator for every place a trace is read or carried (HTTP requests, the
// job row, the worker, webhooks, the AWS execution input).
//
// Accepted, as the specification's "processing model" says:
// - version "00": exactly "00-<trace-id>-<parent-id>-<trace-flags>", 55 characters;
// - a higher version (not "ff"): the same four fields, then either the end or '-' and fields this
//   version does not know (ignored);
// - every field lower-case hex of its exact width; a trace-id or parent-id of all zeros refused.
// Written: always version "00" (the version this side knows), so an accepted future-version header
// is passed on as its version-00 form.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace toq::support {

struct TraceContext {
  std::string trace_id;    // 32 lower-case hex digits, not all zero
  std::string parent_id;   // 16 lower-case hex digits, not all zero
  std::uint8_t flags = 0;  // bit 0: sampled

  // "00-<trace-id>-<parent-id>-<flags>".
  std::string traceparent() const;
  friend bool operator==(const TraceContext&, const TraceContext&) = default;
};

// The context a header value carries; nullopt when it is not a valid traceparent (then the
// receiver starts a new trace).
std::optional<TraceContext> parse_traceparent(std::string_view header);

// True for a header this side writes and stores: a valid version-00 traceparent as given.
bool is_traceparent(std::string_view header);

// A new trace (random trace-id and parent-id, sampled), for a request that brought none.
TraceContext new_trace_context();

// The value to carry for a request's header: the header's own context when valid (in its
// version-00 form), else a new trace.
std::string traceparent_for(std::string_view header);

}  // namespace toq::support

#pragma once
// The worker -> serve event protocol. A `toq-media worker` that serve started writes one line per
// event on the pipe it was given (--events-fd); serve's supervisor reads the lines into its
// /metrics. One JSON object per line, each shorter than PIPE_BUF so the lines of one worker never
// interleave:
//   {"event":"job_started"}
//   {"event":"job_finished","end":"succeeded|failed|released|lease_lost","seconds":12.5}
//   {"event":"asset_failed","code":"CORRUPT_MEDIA"}
//   {"event":"asset_done","kind":"photo|video|project","seconds":3.2}
// A line that is not one of these is ignored by the reader (a newer worker may say more).

#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace toq::app {

struct JobStarted {
  friend bool operator==(const JobStarted&, const JobStarted&) = default;
};
struct JobFinished {
  std::string end;  // core::JobRunReport::End spelled as above
  double seconds = 0;
  friend bool operator==(const JobFinished&, const JobFinished&) = default;
};
struct AssetFailed {
  std::string code;  // the asset's error code, as core::to_string spells it
  friend bool operator==(const AssetFailed&, const AssetFailed&) = default;
};
struct AssetDone {
  std::string kind;    // the asset's media group, as core::to_string(MediaGroup) spells it
  double seconds = 0;  // from the claim, or the previous asset's end, to this asset's record
  friend bool operator==(const AssetDone&, const AssetDone&) = default;
};
using JobEvent = std::variant<JobStarted, JobFinished, AssetFailed, AssetDone>;

// One line, newline included.
std::string encode_event(const JobEvent& event);
// The event a line (with or without its newline) carries; nullopt for anything else. A missing
// "seconds" reads as 0, a missing "code" as INTERNAL_ERROR, a missing "kind" as "unknown".
std::optional<JobEvent> decode_event(std::string_view line);

}  // namespace toq::app

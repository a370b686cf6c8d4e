#pragma once
// Running a decoder in a forked child, so that a crash, a runaway allocation or a hang in a third
// party library (libvips, libheif, libjpeg, poppler, ...) fails one asset instead of the caller.
//
// Contract:
// - fn runs in a fork()ed child with RLIMIT_AS = max_memory_bytes (0: no limit; never in the
//   AddressSanitizer build, whose shadow memory needs the address space), no core dumps and the
//   default action for crash signals (the sanitizer's handlers undone); the child is killed (with
//   any process it started) when `timeout` passes.
// - fn's Result<std::string> comes back intact: the value byte for byte, or the core::Error with
//   every field (code, message, public_message, hint, details).
// - A child killed by a signal gives CORRUPT_MEDIA "the decoder crashed (SIGSEGV) while <step>";
//   a timeout gives PROCESSING_TIMEOUT naming the step; an exception escaping fn gives
//   CORRUPT_MEDIA (std::bad_alloc: out of memory) or INTERNAL_ERROR; a child that exits without a
//   result gives INTERNAL_ERROR. Decoder failures carry a hint for the photographer.
// - The parent never blocks past the timeout (plus the time to reap a SIGKILLed child) and always
//   reaps the child: no zombie is left behind. fork/pipe failures give INTERNAL_ERROR.
// - The caller must NOT have initialised libvips (or anything else that starts threads holding
//   locks) in the parent: only the forking thread exists in the child, and libvips' worker threads
//   do not survive fork. The photo functions initialise libvips lazily, so they are first called in
//   the child. Other threads of the parent keep running; fn must not rely on them.
// - fork() without exec from a multithreaded parent (the worker's lease keeper, `process
//   --jobs`): the child inherits every lock another thread held at that instant, still held. So
//   fn takes only locks that glibc keeps consistent across fork (malloc, stdio) or that the child
//   takes first (the libraries it initialises itself: libvips, glib). It must not log (the
//   logger's mutex) nor use a connection or client of the parent. This is why the
//   AddressSanitizer build uses clang (the asan preset): GCC 12's libasan leaves its allocator
//   lock out of fork, so a child forked while another thread allocated waits on it forever.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "core/model/error.hpp"

namespace toq::media {

struct IsolationLimits {
  std::string
      step;  // what the child does, in words: "decoding the photo", "reading page 1 of the PDF"
  std::chrono::milliseconds timeout{120000};
  std::uint64_t max_memory_bytes = 3ULL << 30;
};

core::Result<std::string> run_isolated(const std::function<core::Result<std::string>()>& fn,
                                       const IsolationLimits& limits);

// The wire format between child and parent, exposed for tests: "O" + value, or "E" + JSON error.
std::string encode_isolated_result(const core::Result<std::string>& result);
core::Result<std::string> decode_isolated_result(std::string_view wire);

}  // namespace toq::media

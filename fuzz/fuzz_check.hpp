#pragma once
// The invariant checks of the fuzz targets: a broken one aborts with what was wrong, which
// libFuzzer records as a crash with its input (and the replay test in the normal suite fails).

#include <cstdio>
#include <cstdlib>

#define TOQ_FUZZ_CHECK(cond)                                                              \
  do {                                                                                    \
    if (!(cond)) {                                                                        \
      std::fprintf(stderr, "invariant broken at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                       \
    }                                                                                     \
  } while (false)

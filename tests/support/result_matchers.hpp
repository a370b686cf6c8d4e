#pragma once
// Helpers for tests on Result<T>: unwrap or fail loudly, and assert an error code.

#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

#include "core/model/error.hpp"

namespace toq::testing {

// The value, or an exception naming the error (GoogleTest reports it as a test failure).
template <class T>
T must(core::Result<T> r, const char* what = "operation") {
  if (!r) {
    throw std::runtime_error(std::string(what) +
                             " failed: " + std::string(core::to_string(r.error().code)) + ": " +
                             r.error().message);
  }
  if constexpr (!std::is_void_v<T>) return std::move(*r);
}

template <class T>
::testing::AssertionResult fails_with(const core::Result<T>& r, core::ErrorCode code) {
  if (r) return ::testing::AssertionFailure() << "succeeded, expected " << core::to_string(code);
  if (r.error().code != code) {
    return ::testing::AssertionFailure()
           << "failed with " << core::to_string(r.error().code) << " (" << r.error().message
           << "), expected " << core::to_string(code);
  }
  return ::testing::AssertionSuccess();
}

}  // namespace toq::testing

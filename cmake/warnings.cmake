# Project-wide compile flags, applied through the `toq_flags` interface target.
add_library(toq_flags INTERFACE)
target_compile_options(toq_flags INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wnon-virtual-dtor
  -Wold-style-cast -Woverloaded-virtual -Wnull-dereference -Wimplicit-fallthrough)
if(TOQ_WERROR)
  target_compile_options(toq_flags INTERFACE -Werror)
endif()
if(TOQ_FUZZ)
  target_compile_options(toq_flags INTERFACE -fsanitize=fuzzer-no-link,address,undefined
                                             -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(toq_flags INTERFACE -fsanitize=address,undefined)
endif()
if(TOQ_SANITIZE)
  target_compile_options(toq_flags INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer
                                             -fno-sanitize-recover=undefined)
  target_link_options(toq_flags INTERFACE -fsanitize=address,undefined)
endif()

# toq_test(NAME SOURCES... LIBS ...): one GoogleTest executable registered with CTest. With
# TOQ_BUILD_TESTS off the target still exists (callers set properties on it) but is never built.
function(toq_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS;LABELS" ${ARGN})
  if(NOT TOQ_BUILD_TESTS)
    add_executable(${name} EXCLUDE_FROM_ALL ${ARG_SOURCES})
    return()
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE toq_flags ${ARG_LIBS} GTest::gtest GTest::gmock GTest::gtest_main)
  include(GoogleTest)
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES LABELS "${ARG_LABELS}")
endfunction()

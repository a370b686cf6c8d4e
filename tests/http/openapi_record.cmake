# Real responses against docs/openapi.yaml.
# - toq_openapi_lint: the document itself (tests/http/openapi_lint.py).
# - Every test of the suites in TOQ_HTTP_RECORDING_SUITES records its exchanges (TOQ_HTTP_RECORD, see
#   tests/http/http_client.hpp) and is a setup of the fixture toq_http_record; the recordings
#   directory is emptied first (fixture toq_http_record_clean).
# - toq_openapi_responses requires toq_http_record, so `ctest -R toq_openapi_responses` runs the
#   recording suites first, then checks every recorded response.
set(TOQ_HTTP_RECORD_DIR ${CMAKE_BINARY_DIR}/http-recordings)
add_test(NAME toq_openapi_lint
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/http/openapi_lint.py
          ${PROJECT_SOURCE_DIR}/docs/openapi.yaml)
set_tests_properties(toq_openapi_lint PROPERTIES LABELS http)
add_test(NAME toq_http_record_clean COMMAND ${CMAKE_COMMAND} -E rm -rf ${TOQ_HTTP_RECORD_DIR})
set_tests_properties(toq_http_record_clean PROPERTIES FIXTURES_SETUP toq_http_record_clean
                     LABELS http)
add_test(NAME toq_openapi_responses
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/http/openapi_responses.py
          ${PROJECT_SOURCE_DIR}/docs/openapi.yaml ${TOQ_HTTP_RECORD_DIR})
set_tests_properties(toq_openapi_responses PROPERTIES FIXTURES_REQUIRED toq_http_record
                     LABELS http)
# The checker itself must fail: a recording with five kinds of mismatch.
add_test(NAME toq_openapi_responses_detects_mismatches
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/http/openapi_responses.py
          ${PROJECT_SOURCE_DIR}/docs/openapi.yaml ${CMAKE_CURRENT_SOURCE_DIR}/http/openapi_negative)
set_tests_properties(toq_openapi_responses_detects_mismatches PROPERTIES
  PASS_REGULAR_EXPRESSION "\n5 mismatches" LABELS http)
# The suites that drive the real server through recorded_http(); a name whose binary does not
# exist is skipped.
set(TOQ_HTTP_RECORDING_SUITES toq_http_api_test toq_http_ops_test toq_http_robustness_test
    toq_authorization_matrix_test toq_upload_expiry_http_test)
# Discovered gtest names exist only at test time: a CTest include file, run after every other one
# of this directory (deferred to its end), marks the tests of each suite.
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/toq_http_record_tests.cmake
"foreach(_suite ${TOQ_HTTP_RECORDING_SUITES})
  set(_var \${_suite}_TESTS)
  if(DEFINED \${_var} AND NOT \"\${\${_var}}\" STREQUAL \"\")
    set_tests_properties(\${\${_var}} PROPERTIES
      FIXTURES_SETUP toq_http_record FIXTURES_REQUIRED toq_http_record_clean
      ENVIRONMENT \"TOQ_HTTP_RECORD=${TOQ_HTTP_RECORD_DIR}\")
  endif()
endforeach()
")
cmake_language(DEFER CALL set_property DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES
               ${CMAKE_CURRENT_BINARY_DIR}/toq_http_record_tests.cmake)

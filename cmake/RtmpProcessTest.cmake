# rtmp_process_test: registers one process test (a Python script driving the
# real binaries) the same way in every folder.
#
#   rtmp_process_test(NAME api.test_api_streams SCRIPT test_api_streams.py
#                     LABELS integration api MEDIA
#                     [TIMEOUT 300] [PYTHON /usr/bin/python3]
#                     [TSAN_SUPPRESSIONS file] [ENV VAR=value ...])
#
# - SCRIPT is relative to the calling folder; it runs with `python -u`, and exit
#   77 means skipped.
# - MEDIA: the test encodes real-time media, so it takes the
#   rtmp_integration_media lock (one such test at a time) and the `slow` label
#   (run once, in the ASan+UBSan stage).
# - ENVIRONMENT always has RTMP_INGEST_BIN, RTMP_DISPATCHER_BIN (and DISPATCHER_BIN),
#   RTMP_TEST_SANITIZED (1 in sanitizer builds, where tests relax time and
#   memory bounds but not behaviour checks) and, under TSan, TSAN_OPTIONS with
#   the suppressions for Debian's uninstrumented libraries (a report exits 66).
find_package(Python3 REQUIRED COMPONENTS Interpreter)

if(ENABLE_ASAN OR ENABLE_TSAN OR ENABLE_UBSAN)
  set(RTMP_TEST_SANITIZED 1)
else()
  set(RTMP_TEST_SANITIZED 0)
endif()
set(RTMP_TEST_TSAN_SUPPRESSIONS ${PROJECT_SOURCE_DIR}/tests/tsan.supp)

function(rtmp_process_test)
  cmake_parse_arguments(PARSE_ARGV 0 arg "MEDIA" "NAME;SCRIPT;TIMEOUT;PYTHON;TSAN_SUPPRESSIONS"
                        "LABELS;ENV")
  if(NOT arg_NAME OR NOT arg_SCRIPT)
    message(FATAL_ERROR "rtmp_process_test needs NAME and SCRIPT")
  endif()
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "rtmp_process_test(${arg_NAME}): unknown ${arg_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT arg_TIMEOUT)
    set(arg_TIMEOUT 300)
  endif()
  if(NOT arg_PYTHON)
    set(arg_PYTHON Python3::Interpreter)
  endif()
  if(NOT arg_TSAN_SUPPRESSIONS)
    set(arg_TSAN_SUPPRESSIONS ${RTMP_TEST_TSAN_SUPPRESSIONS})
  endif()
  set(_labels ${arg_LABELS})
  if(arg_MEDIA)
    list(APPEND _labels slow)
  endif()
  set(_env "RTMP_INGEST_BIN=$<TARGET_FILE:rtmp-ingest>"
           "RTMP_DISPATCHER_BIN=$<TARGET_FILE:rtmp-dispatcher>"
           "DISPATCHER_BIN=$<TARGET_FILE:rtmp-dispatcher>"
           "RTMP_TEST_SANITIZED=${RTMP_TEST_SANITIZED}")
  if(ENABLE_TSAN)
    list(APPEND _env
         "TSAN_OPTIONS=halt_on_error=1 exitcode=66 suppressions=${arg_TSAN_SUPPRESSIONS}")
  endif()
  list(APPEND _env ${arg_ENV})

  add_test(NAME ${arg_NAME} COMMAND ${arg_PYTHON} -u ${CMAKE_CURRENT_SOURCE_DIR}/${arg_SCRIPT})
  set_tests_properties(${arg_NAME} PROPERTIES
    TIMEOUT ${arg_TIMEOUT}
    SKIP_RETURN_CODE 77
    ENVIRONMENT "${_env}")
  if(_labels)
    set_tests_properties(${arg_NAME} PROPERTIES LABELS "${_labels}")
  endif()
  if(arg_MEDIA)
    set_tests_properties(${arg_NAME} PROPERTIES RESOURCE_LOCK rtmp_integration_media)
  endif()
endfunction()

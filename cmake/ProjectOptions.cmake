# Warnings and sanitizers as INTERFACE targets, linked PRIVATE by every target.
add_library(project_warnings INTERFACE)
target_compile_options(project_warnings INTERFACE -Wall -Wextra -Wpedantic -Wnon-virtual-dtor)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  target_compile_options(project_warnings INTERFACE -Wshadow=local)
  # GCC 12 at -O3 (Release) warns -Wrestrict inside libstdc++ on
  # `"literal" + std::string&&` (GCC bug 105329, fixed in 13): a false positive.
  if(CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(project_warnings INTERFACE -Wno-restrict)
  endif()
else()
  target_compile_options(project_warnings INTERFACE -Wshadow-uncaptured-local)
endif()
if(WERROR)
  target_compile_options(project_warnings INTERFACE -Werror)
endif()

add_library(project_sanitizers INTERFACE)
set(_san "")
if(ENABLE_ASAN)
  list(APPEND _san address)
endif()
if(ENABLE_UBSAN)
  list(APPEND _san undefined)
endif()
if(ENABLE_TSAN)
  list(APPEND _san thread)
  # GCC 12 warns (-Wtsan) on std::atomic_thread_fence, which Asio uses; TSan
  # still checks everything else, so keep that one warning from -Werror.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(project_warnings INTERFACE -Wno-tsan)
  endif()
endif()
if(_san)
  list(JOIN _san "," _san_list)
  target_compile_options(project_sanitizers INTERFACE -fsanitize=${_san_list}
                                                      -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(project_sanitizers INTERFACE -fsanitize=${_san_list})
endif()

if(ENABLE_FUZZ)
  # Coverage instrumentation of every library for the libFuzzer targets in
  # tests/fuzz (which add -fsanitize=fuzzer themselves).
  target_compile_options(project_sanitizers INTERFACE -fsanitize=fuzzer-no-link)
  target_link_options(project_sanitizers INTERFACE -fsanitize=fuzzer-no-link)
endif()

# project_defaults: what every target of ours links PRIVATE.
add_library(project_defaults INTERFACE)
target_link_libraries(project_defaults INTERFACE project_warnings project_sanitizers)

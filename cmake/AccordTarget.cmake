# Common settings for every Accord target: C++20, warnings as errors.
function(accord_defaults target)
  target_compile_features(${target} PUBLIC cxx_std_20)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Werror
                                           -Wno-error=deprecated-declarations)
endfunction()

# accord_library(NAME SOURCES ... PUBLIC_DEPS ... DEPS ...)
# A component library: headers under include/, sources under src/.
# PUBLIC_DEPS: what the headers under include/ include; a user of this library gets their
#   include paths and links them.
# DEPS: everything else, PRIVATE: only src/ sees their headers (they are still linked into
#   whatever links this library, as static libraries must be). So a target that includes a
#   header of a library it did not name itself, and that no PUBLIC_DEPS hands it, fails to
#   compile (tests/unit/dependency_rule/).
# PRIVATE_DEPS: the former spelling of DEPS; same meaning.
function(accord_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC_DEPS;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
  target_link_libraries(${name} PUBLIC ${ARG_PUBLIC_DEPS} PRIVATE ${ARG_DEPS} ${ARG_PRIVATE_DEPS})
  accord_defaults(${name})
endfunction()

# accord_test(NAME SOURCES ... DEPS ... [LABELS ...])
# DEPS: every library whose headers the test includes (nothing arrives through a library's
# private dependencies). LABELS tsan: the test runs threads, so scripts/test.sh --tsan builds
# it (target accord_tsan_tests) and runs it under ThreadSanitizer. DISCOVER_FILTER: a gtest
# filter; only the tests it selects become ctest entries (the rest get entries of their own,
# e.g. one entry for every test that needs the PostgreSQL servers, tests/unit/spool).
function(accord_test name)
  cmake_parse_arguments(ARG "" "DISCOVER_FILTER" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  if(NOT TARGET accord_tsan_tests)
    add_custom_target(accord_tsan_tests)
  endif()
  if(tsan IN_LIST ARG_LABELS)
    add_dependencies(accord_tsan_tests ${name})
  endif()
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  accord_defaults(${name})
  # One ENVIRONMENT_MODIFICATION entry per variable: a ';'-separated ENVIRONMENT list does not
  # survive gtest_discover_tests' argument forwarding. Nor does a list of LABELS, so they are
  # joined into one (unit_tsan); ctest -L takes a regex, so -L unit and -L tsan both match it.
  list(JOIN ARG_LABELS "_" label)
  set(filter)
  if(ARG_DISCOVER_FILTER)
    set(filter TEST_FILTER "${ARG_DISCOVER_FILTER}")
  endif()
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 ${filter}
                       PROPERTIES LABELS "${label}"
                       ENVIRONMENT "ACCORD_SOURCE_DIR=${PROJECT_SOURCE_DIR}"
                       ENVIRONMENT_MODIFICATION "ACCORD_BINARY_DIR=set:${PROJECT_BINARY_DIR}")
endfunction()

# Adds every direct subfolder that has a CMakeLists.txt: each component owns its own folder
# of tests, fuzz targets or benchmarks, and nobody edits a shared list to add one.
function(accord_add_component_dirs)
  file(GLOB children LIST_DIRECTORIES true ${CMAKE_CURRENT_SOURCE_DIR}/*)
  foreach(child ${children})
    if(IS_DIRECTORY ${child} AND EXISTS ${child}/CMakeLists.txt)
      add_subdirectory(${child})
    endif()
  endforeach()
endfunction()

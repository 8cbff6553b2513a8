# Common settings for every Accord target: C++20, warnings as errors.
function(accord_defaults target)
  target_compile_features(${target} PUBLIC cxx_std_20)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Werror
                                           -Wno-error=deprecated-declarations)
endfunction()

# accord_library(NAME SOURCES ... DEPS ... PRIVATE_DEPS ...)
# A component library: headers under include/, sources under src/.
function(accord_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
  target_link_libraries(${name} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  accord_defaults(${name})
endfunction()

# accord_test(NAME SOURCES ... DEPS ... [LABELS ...])
function(accord_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  accord_defaults(${name})
  # One ENVIRONMENT_MODIFICATION entry per variable: a ';'-separated ENVIRONMENT list does not
  # survive gtest_discover_tests' argument forwarding.
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60
                       PROPERTIES LABELS "${ARG_LABELS}"
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

# Helpers shared by every component folder.

# Compiler flags every Gatehouse target gets: warnings are errors.
add_library(gatehouse_flags INTERFACE)
target_compile_options(gatehouse_flags INTERFACE
  -Wall -Wextra -Wpedantic -Werror -Wshadow -Wnon-virtual-dtor -Wcast-align
  -Woverloaded-virtual -Wimplicit-fallthrough
  # GCC 12 reports std::string concatenation at -O2/-O3 as overlapping memcpy (GCC bug 105329).
  $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>
  # A unity build (CMAKE_UNITY_BUILD, deploy/local/test.sh) includes each .cpp into a batch file,
  # where GCC takes a test fixture in an anonymous namespace for one declared in a header.
  $<$<AND:$<CXX_COMPILER_ID:GNU>,$<BOOL:${CMAKE_UNITY_BUILD}>>:-Wno-subobject-linkage>)
target_compile_definitions(gatehouse_flags INTERFACE
  BOOST_ASIO_NO_DEPRECATED BOOST_BEAST_USE_STD_STRING_VIEW OPENSSL_NO_DEPRECATED
  BOOST_JSON_NO_LIB BOOST_URL_NO_LIB)

# gh_add_component(NAME SOURCES ... DEPENDS ...)
# Adds the library `gh_<NAME>` whose include root is the repository root, so code includes
# "<component>/<file>.hpp".
function(gh_add_component name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPENDS;PRIVATE_DEPENDS" ${ARGN})
  add_library(gh_${name} STATIC ${ARG_SOURCES})
  target_include_directories(gh_${name} PUBLIC "${PROJECT_SOURCE_DIR}")
  target_link_libraries(gh_${name} PUBLIC gatehouse_flags ${ARG_DEPENDS} PRIVATE ${ARG_PRIVATE_DEPENDS})
endfunction()

# gh_add_test(NAME LABEL SOURCES ... DEPENDS ...)
# Adds a GoogleTest executable registered with CTest under the given label (unit, integration).
function(gh_add_test name)
  cmake_parse_arguments(ARG "" "LABEL;TIMEOUT" "SOURCES;DEPENDS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE gatehouse_flags ${ARG_DEPENDS} GTest::gtest GTest::gmock
                        GTest::gtest_main)
  target_include_directories(${name} PRIVATE "${PROJECT_SOURCE_DIR}")
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  add_test(NAME ${name} COMMAND ${name} --gtest_brief=1)
  set_tests_properties(${name} PROPERTIES LABELS "${ARG_LABEL}" TIMEOUT ${ARG_TIMEOUT})
endfunction()

# -DGATEHOUSE_SANITIZE=ON: AddressSanitizer + UndefinedBehaviorSanitizer on every target.
# deploy/local/test.sh runs with UBSAN_OPTIONS=halt_on_error=1, so any report fails the test.
#
# CAF 0.17 itself trips UBSan ("reference binding to null pointer", init_fun_factory.hpp:93)
# when a function-based actor is spawned with no arguments; GCC 12's runtime does not honour
# file or function suppressions for it, so Gatehouse never spawns one: every function-based
# actor takes at least one argument.
#
# -DGATEHOUSE_TSAN=ON: ThreadSanitizer on every target (`deploy/local/test.sh --tsan` builds the
# tests where actors, asio threads and nats.c's threads meet). Debian's CAF, nats.c, libpq and
# hiredis are not instrumented; tests/tsan.supp lists, with a reason each, what is suppressed.
if(GATEHOUSE_SANITIZE AND GATEHOUSE_TSAN)
  message(FATAL_ERROR "GATEHOUSE_SANITIZE and GATEHOUSE_TSAN exclude each other: two builds")
endif()
if(GATEHOUSE_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
if(GATEHOUSE_TSAN)
  # GCC 12 warns (-Wtsan) wherever std::atomic_thread_fence is inlined: Boost.Asio's fenced blocks
  # and atomic_count. TSan does not model fences; a race it reported because of one would be
  # examined like any other, so the warning is not an error here.
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer -Wno-tsan)
  add_link_options(-fsanitize=thread)
endif()

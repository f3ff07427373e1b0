# -DGATEHOUSE_SANITIZE=ON: AddressSanitizer + UndefinedBehaviorSanitizer on every target.
# deploy/local/test.sh runs with UBSAN_OPTIONS=halt_on_error=1, so any report fails the test.
#
# CAF 0.17 itself trips UBSan ("reference binding to null pointer", init_fun_factory.hpp:93)
# when a function-based actor is spawned with no arguments; GCC 12's runtime does not honour
# file or function suppressions for it, so Gatehouse never spawns one: every function-based
# actor takes at least one argument.
if(GATEHOUSE_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

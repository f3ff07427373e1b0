# -DGATEHOUSE_SANITIZE=ON: AddressSanitizer + UndefinedBehaviorSanitizer on every target.
if(GATEHOUSE_SANITIZE)
  set(gh_san_flags -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_compile_options(${gh_san_flags})
  add_link_options(-fsanitize=address,undefined)
endif()

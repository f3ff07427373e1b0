#!/usr/bin/env bash
# Checks that every dependency points down (README "Layout"): messages < config < crypto <
# persistence, providers < actors (the shared core) < actors/<capability> < gateway. A
# capability never includes another capability's headers; the core includes none; the layers
# below include nothing above them. Prints each offending include and fails.
set -uo pipefail
cd "$(dirname "$0")/.."

status=0
offend() { echo "layering: $1 includes $2 ($3)"; status=1; }

# check FILE... -- PATTERN REASON: every include of FILE matching PATTERN is an offence.
includes() { grep -Ho '#include "[^"]*"' "$@" 2>/dev/null | sed 's/#include "//; s/"$//'; }

capabilities=$(find actors -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort)

for cap in $capabilities; do
  while IFS=: read -r file inc; do
    case "$inc" in
      actors/"$cap"/*) ;;
      actors/*/*) offend "$file" "$inc" "a capability uses only the core and the layers below" ;;
      gateway/*) offend "$file" "$inc" "the gateway sits above the capabilities" ;;
    esac
  done < <(includes actors/"$cap"/*.hpp actors/"$cap"/*.cpp)
done

while IFS=: read -r file inc; do
  case "$inc" in
    actors/*/*) offend "$file" "$inc" "the core knows no capability" ;;
    gateway/*) offend "$file" "$inc" "the gateway sits above the core" ;;
  esac
done < <(includes actors/*.hpp actors/*.cpp)

for layer in messages config crypto persistence providers; do
  while IFS=: read -r file inc; do
    case "$inc" in
      actors/* | gateway/*) offend "$file" "$inc" "$layer is below the actors" ;;
    esac
    case "$layer:$inc" in
      messages:config/* | messages:crypto/* | messages:persistence/* | messages:providers/*)
        offend "$file" "$inc" "messages is the lowest layer" ;;
      crypto:persistence/* | crypto:providers/* | config:crypto/* | config:persistence/* | \
        config:providers/*)
        offend "$file" "$inc" "$layer must not reach up" ;;
    esac
  done < <(find "$layer" -name '*.hpp' -o -name '*.cpp' | xargs grep -Ho '#include "[^"]*"' |
             sed 's/#include "//; s/"$//')
done

# The gateway's own sessions reach capabilities only through messages, never their headers;
# main.cpp installs the modules and is the one exception.
while IFS=: read -r file inc; do
  case "$file:$inc" in
    gateway/main.cpp:*) ;;
    *:actors/*/*) offend "$file" "$inc" "the front actor talks to capabilities by message" ;;
  esac
done < <(includes gateway/*.hpp gateway/*.cpp)

[ $status -eq 0 ] && echo "layering: every dependency points down"
exit $status

#!/usr/bin/env bash
# What the test suite needs beyond Python packages, from Debian's archive: chromium (the
# review page is checked in a real browser) and node with npm (the TextMate grammar is
# checked by the engine VS Code runs). Installs only what is missing; needs root or sudo
# when something is.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
if ((${#need[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "tools/system-deps.sh: installing ${need[*]}" >&2
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${need[@]}"
fi

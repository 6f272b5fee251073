#!/usr/bin/env bash
# What the test suite needs beyond Python packages, from Debian's archive: chromium (the
# review page is checked in a real browser), node with npm (the TextMate grammar is
# checked by the engine VS Code runs) and cmark-gfm (GitHub's markdown engine). Installs only what is missing; needs root or sudo
# when something is.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
# markdown reports are rendered with GitHub's own markdown engine to check their structure
command -v cmark-gfm >/dev/null 2>&1 || need+=(cmark-gfm)
if ((${#need[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "tools/system-deps.sh: installing ${need[*]}" >&2
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${need[@]}"
fi

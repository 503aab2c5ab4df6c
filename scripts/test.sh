#!/usr/bin/env bash
# The README's test command: the whole test suite, with what it needs installed first.
#
#   scripts/test.sh [ARGS...]     ARGS go to `cargo test` (e.g. `--test report_run`)
#
# The browser tests of report.html need a Chromium. When none is found (neither on the
# PATH nor in CHOKEPOINT_CHROMIUM), this script installs Debian's `chromium` with apt-get
# (as root, or through sudo when that needs no password). If it cannot, it says so up front
# and, outside CI, skips the two browser tests with a notice (CHOKEPOINT_SKIP_BROWSER=1);
# with `CI` set they stay mandatory and fail with instructions.
#
# `--no-fail-fast` makes cargo run every test binary even when one fails, so one missing
# tool never hides the results of the others.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'scripts/test.sh: %s\n' "$*" >&2; }

have_browser() {
    if [ -n "${CHOKEPOINT_CHROMIUM:-}" ] && [ -x "${CHOKEPOINT_CHROMIUM}" ]; then
        return 0
    fi
    command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 ||
        command -v google-chrome >/dev/null 2>&1
}

install_browser() {
    command -v apt-get >/dev/null 2>&1 || return 1
    local sudo=()
    if [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null || return 1
        sudo=(sudo -n)
    fi
    say "installing Debian's chromium for the browser tests of report.html (apt-get, once)"
    "${sudo[@]}" apt-get update -qq &&
        DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq chromium >/dev/null
}

if ! have_browser && [ "${CHOKEPOINT_SKIP_BROWSER:-}" != 1 ]; then
    if ! install_browser || ! have_browser; then
        if [ -n "${CI:-}" ]; then
            say "no Chromium and no way to install it; CI is set, so the browser tests will fail"
        else
            say "NOTICE: no Chromium found and none could be installed (needs apt-get as root or"
            say "        passwordless sudo): the browser tests of report.html are SKIPPED."
            say "        Install chromium, or set CHOKEPOINT_CHROMIUM=/path/to/chrome, to run them."
            export CHOKEPOINT_SKIP_BROWSER=1
        fi
    fi
fi

exec cargo test --release --locked --no-fail-fast "$@"

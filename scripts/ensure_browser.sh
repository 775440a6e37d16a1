#!/usr/bin/env bash
# Make sure the headless browser and CJK fonts the bulletin tests need are installed:
# Debian's chromium (/usr/bin/chromium, driven by Playwright via executable_path; `playwright
# install` is not used because it downloads) and fonts-noto-cjk (Chinese text in pages,
# screenshots and PDFs). Idempotent and quiet when both are present; installs them with apt
# (sudo when not root) otherwise; exits non-zero with a message if it cannot.
set -euo pipefail

CHROMIUM=/usr/bin/chromium
PACKAGES=(chromium fonts-noto-cjk)

have_font() {
    if command -v fc-list >/dev/null 2>&1; then
        fc-list ':lang=zh' family 2>/dev/null | grep -q 'Noto Sans CJK' && return 0
    fi
    compgen -G '/usr/share/fonts/opentype/noto/NotoSansCJK*' >/dev/null
}

if [[ -x "$CHROMIUM" ]] && have_font; then
    exit 0
fi

fail() {
    echo "ensure_browser.sh: $*" >&2
    echo "ensure_browser.sh: install them by hand: apt-get install -y ${PACKAGES[*]}" >&2
    exit 1
}

command -v apt-get >/dev/null 2>&1 || fail "chromium or fonts-noto-cjk missing and apt-get not available"

SUDO=()
if [[ "$(id -u)" -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 || fail "not root and sudo not available"
    SUDO=(sudo -n)
fi

echo "ensure_browser.sh: installing ${PACKAGES[*]} (apt) ..." >&2
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >"$log" 2>&1; then
    cat "$log" >&2
    fail "apt-get update failed"
fi
if ! "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >"$log" 2>&1; then
    cat "$log" >&2
    fail "apt-get install failed"
fi

[[ -x "$CHROMIUM" ]] || fail "$CHROMIUM still missing after install"
have_font || fail "Noto Sans CJK font still missing after install"
echo "ensure_browser.sh: $("$CHROMIUM" --version 2>/dev/null || echo chromium) ready" >&2

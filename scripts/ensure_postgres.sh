#!/usr/bin/env bash
# Make sure the PostgreSQL server binaries (initdb, pg_ctl) are installed, for the deployment
# test (tests/test_deployment_postgres.py) and a local multi-user setup.
#
# Idempotent: prints nothing and exits 0 when /usr/lib/postgresql/<version>/bin/{initdb,pg_ctl}
# exist. Otherwise installs Debian's `postgresql` package with apt-get (through sudo when not
# root) and fails loudly, with a non-zero exit, if that does not produce the binaries.
set -euo pipefail

have_server_binaries() {
    local bin
    for bin in /usr/lib/postgresql/*/bin; do
        if [[ -x "$bin/initdb" && -x "$bin/pg_ctl" ]]; then
            return 0
        fi
    done
    return 1
}

if have_server_binaries; then
    exit 0
fi

fail() {
    echo "ensure_postgres: $*" >&2
    exit 1
}

if ! command -v apt-get >/dev/null 2>&1; then
    fail "PostgreSQL server binaries not found and apt-get is not available; install PostgreSQL (initdb, pg_ctl) by hand."
fi

if [[ "$(id -u)" -eq 0 ]]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
else
    fail "PostgreSQL server binaries not found; run as root or install sudo to install the 'postgresql' package."
fi

echo "ensure_postgres: installing the 'postgresql' package (server binaries for the deployment test) ..." >&2
"${as_root[@]}" apt-get update -qq >&2 || fail "apt-get update failed"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2 \
    || fail "apt-get install postgresql failed"

have_server_binaries || fail "package 'postgresql' installed but no /usr/lib/postgresql/*/bin/initdb and pg_ctl found."
echo "ensure_postgres: PostgreSQL installed." >&2

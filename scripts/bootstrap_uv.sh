#!/usr/bin/env bash
# Install a pinned uv into .tools/ using only python3 and pip (the quick start's promise).
# Prefers a private venv; on systems without the venv module (Debian/Ubuntu without
# python3-venv) falls back to `pip install --target`, which needs nothing else.
set -euo pipefail
version="$1"
root="$(cd "$(dirname "$0")/.." && pwd)"
tools="$root/.tools"
if python3 -m venv "$tools" >/dev/null 2>&1 && [[ -x "$tools/bin/python" ]]; then
    "$tools/bin/python" -m pip install --quiet --disable-pip-version-check "uv==$version"
else
    rm -rf "$tools"
    python3 -m pip install --quiet --disable-pip-version-check --target "$tools/lib" "uv==$version"
    mkdir -p "$tools/bin"
    ln -sf "$tools/lib/bin/uv" "$tools/bin/uv"
fi
"$tools/bin/uv" --version >/dev/null || { echo "bootstrap_uv.sh: uv 安装失败" >&2; exit 1; }

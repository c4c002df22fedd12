#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian machine, used by both README commands:
#   1. Debian toolchains and emulators (only the missing ones, no recommends)
#   2. .venv/ with emml and its pinned Python dependencies (re-run when pyproject.toml changes)
#   3. PlatformIO prepared to build offline with the Debian toolchains
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
    gcc-arm-none-eabi libnewlib-arm-none-eabi   # Cortex-M0+/M3 firmware
    gcc-riscv64-unknown-elf                     # RV32EC firmware (CH32V003, QEMU virt)
    qemu-system-arm qemu-system-misc            # emulated boards
    clang libclang-rt-14-dev                    # second host compiler (+ its sanitizer runtime) for strict and ASan/UBSan builds
    valgrind cppcheck clang-tidy                # reliability: Valgrind replay, static analysis of lib/emml
    python3-venv
    firmware-microbit-micropython               # MicroPython for the micro:bit, run in QEMU by the MicroPython tests
)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
# MicroPython's WebAssembly port runs under Node.js: Debian's, only when the machine has none
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
if ((${#missing[@]})); then
    echo "setup: installing Debian packages: ${missing[*]}"
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
    echo "setup: creating .venv"
    python3 -m venv .venv
fi
stamp=.venv/.emml-setup-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ]; then
    echo "setup: installing emml and pinned dependencies into .venv"
    if ! .venv/bin/pip install --disable-pip-version-check -e ".[dev,nn,bench,firmware,apps]" > .venv/pip-install.log 2>&1; then
        tail -n 30 .venv/pip-install.log
        echo "setup: pip install failed; full log in .venv/pip-install.log" >&2
        exit 1
    fi
    rm -f .venv/.emml-setup-*
    touch "$stamp"
fi

# MicroPython's WebAssembly port (npm, pinned by tools/micropython/package-lock.json) for the
# MicroPython tests and benchmark
mpy_stamp=tools/micropython/node_modules/.emml-$(sha256sum tools/micropython/package-lock.json | cut -c1-16)
if [ ! -f "$mpy_stamp" ]; then
    echo "setup: installing MicroPython (WebAssembly) into tools/micropython"
    npm ci --prefix tools/micropython --no-audit --no-fund --loglevel=error
    touch "$mpy_stamp"
fi

.venv/bin/python scripts/pio_offline.py

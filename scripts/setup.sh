#!/usr/bin/env bash
# Prepare the development environment of the council table.
#
# Idempotent and fast once done: Debian packages are only checked with dpkg,
# and the virtualenv is only (re)installed when pyproject.toml changed since
# the last successful install (stamp file .venv/.installed-<sha256>).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

log() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

# Run a noisy command quietly; show its output only if it fails.
quiet() {
    local out status=0
    out="$(mktemp)"
    "$@" >"$out" 2>&1 || status=$?
    if [ "$status" -ne 0 ]; then
        tail -n 40 "$out" >&2
        rm -f "$out"
        die "command failed (exit $status): $*"
    fi
    rm -f "$out"
}

# --- Debian packages ---------------------------------------------------------
# Libraries the Qt offscreen platform plugin loads, poppler-utils (pdftoppm,
# pdfsig) and LibreOffice without its GUI, which turns the commune's office
# documents (odt, docx, xlsx, ods) into PDF for the seats.
APT_PACKAGES=(
    libreoffice-writer-nogui
    libreoffice-calc-nogui
    libegl1
    libgl1
    libxkbcommon0
    libfontconfig1
    libglib2.0-0
    libdbus-1-3
    # Qt's xcb platform, for the windowed demo and the kiosk under X11.
    libxcb-cursor0
    libxcb-icccm4
    libxcb-image0
    libxcb-keysyms1
    libxcb-render-util0
    libxcb-xinerama0
    libxcb-xkb1
    libxkbcommon-x11-0
    libxcb-shape0
    libxcb-randr0
    poppler-utils
    # PKCS#11 signing tested against a SoftHSM2 token (the commune's RGS key
    # lives on a USB key or smart card in production).
    softhsm2
    # Printing to a real CUPS queue: the tests start cupsd with a cups-pdf
    # printer; the kiosk prints to the mairie's printer through CUPS.
    cups
    cups-bsd
    printer-driver-cups-pdf
    # A real X server for the display unplug / replug test (RandR monitors).
    xvfb
    x11-xserver-utils
    # systemd-analyze: the tests verify the units of deploy/ with it.
    systemd
    # The kiosk unit starts the table with xinit: `systemd-analyze verify`
    # checks that its command exists.
    xinit
)

is_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    # Debian 13 renamed some libraries with a t64 suffix (libglib2.0-0t64).
    is_installed "$pkg" || is_installed "${pkg}t64" || missing+=("$pkg")
done

if [ "${#missing[@]}" -gt 0 ]; then
    log "installing Debian packages: ${missing[*]}"
    sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || die "not root and sudo is missing; install: ${missing[*]}"
        sudo=(sudo)
    fi
    quiet "${sudo[@]}" apt-get update
    quiet "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y --no-install-recommends "${missing[@]}"
fi

# --- Virtualenv --------------------------------------------------------------
if [ ! -x .venv/bin/python ]; then
    python=""
    if command -v python3.11 >/dev/null 2>&1; then
        python=python3.11
    elif command -v python3 >/dev/null 2>&1 \
        && python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
        python=python3
    else
        die "Python >= 3.11 is required (python3.11 or python3)"
    fi
    log "creating .venv with $($python --version 2>&1)"
    quiet "$python" -m venv .venv
fi

hash="$(sha256sum pyproject.toml | cut -d' ' -f1)"
stamp=".venv/.installed-$hash"
if [ ! -e "$stamp" ]; then
    log "installing the project and its test tools into .venv (pyproject.toml changed)"
    quiet .venv/bin/python -m pip install --disable-pip-version-check -q -e '.[test]'
    rm -f .venv/.installed-*
    touch "$stamp"
fi

log "environment ready"

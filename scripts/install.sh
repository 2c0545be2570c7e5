#!/usr/bin/env bash
# Install the council table on a Debian 12 machine as a kiosk started at boot.
#
#   sudo bash scripts/install.sh [--config FILE]
#
# What it does, in order (each step is idempotent: run it again to update):
#   1. Debian packages: a bare X server and xinit, Qt's libraries, poppler,
#      LibreOffice without its GUI, CUPS, Python's venv;
#   2. the system user "conseil" (home /var/lib/table-du-conseil, no login
#      shell, groups video, render, input: the GPU and the touch screens);
#   3. the program in /opt/table-du-conseil with its own virtual environment;
#   4. the folders: /etc/table-du-conseil (configuration, which the table
#      writes when the secretary changes it from the master screen), /var/lib/table-du-conseil (database, exports, caches),
#      /srv/table-du-conseil/documents (the folder the cloud client or the
#      scanner fills; the nightly backups go to its Sauvegardes/ folder, so
#      the cloud client carries them off the table's PC);
#   5. the configuration: FILE if given, else the one already there, else a
#      copy of the demo commune's to edit; checked with `table-app check`;
#   6. the systemd units (the kiosk, and the nightly backup when present in
#      deploy/), enabled; tty1's login prompt gives way to the table.
#
# For the tests: --root DIR installs into DIR instead of / (no packages, no
# user, no systemctl; paths inside the units point into DIR), and
# --venv PATH reuses an existing virtual environment instead of making one.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
SOURCE="$PWD"

ROOT=""
CONFIG=""
VENV=""
while [ $# -gt 0 ]; do
    case "$1" in
        --root) ROOT="${2%/}"; shift 2 ;;
        --config) CONFIG="$2"; shift 2 ;;
        --venv) VENV="$2"; shift 2 ;;
        -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
        *) echo "install: option inconnue : $1 (voir --help)" >&2; exit 2 ;;
    esac
done

log() { printf 'install: %s\n' "$*"; }
die() { printf 'install: erreur : %s\n' "$*" >&2; exit 1; }

APP=/opt/table-du-conseil
ETC=/etc/table-du-conseil
DATA=/var/lib/table-du-conseil
SRV=/srv/table-du-conseil
UNITS=/etc/systemd/system
USER_NAME=conseil

if [ -z "$ROOT" ] && [ "$(id -u)" -ne 0 ]; then
    die "à lancer en administrateur : sudo bash scripts/install.sh"
fi

# --- 1. packages -----------------------------------------------------------
RUNTIME_PACKAGES=(
    xserver-xorg-core xserver-xorg-input-libinput xinit x11-xserver-utils
    fonts-dejavu-core
    libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libglib2.0-0 libdbus-1-3
    libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-render-util0
    libxcb-xinerama0 libxcb-xkb1 libxcb-shape0 libxcb-randr0
    poppler-utils libreoffice-writer-nogui libreoffice-calc-nogui
    cups cups-bsd
    python3 python3-venv
)
if [ -z "$ROOT" ]; then
    log "paquets Debian"
    DEBIAN_FRONTEND=noninteractive apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        "${RUNTIME_PACKAGES[@]}"
fi

# --- 2. the user -------------------------------------------------------------
if [ -z "$ROOT" ]; then
    if ! id "$USER_NAME" >/dev/null 2>&1; then
        log "utilisateur $USER_NAME"
        adduser --system --group --home "$DATA" --shell /usr/sbin/nologin \
            --gecos "Table du conseil" "$USER_NAME"
    fi
    usermod -a -G video,render,input "$USER_NAME"
fi
owner() {  # chown only on a real install
    [ -n "$ROOT" ] || chown "$@"
}

# --- 3. the program ----------------------------------------------------------
log "programme dans $ROOT$APP"
mkdir -p "$ROOT$APP"
# The tracked files of this checkout (or the folder as it is, outside git).
if git -C "$SOURCE" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git -C "$SOURCE" ls-files -z | (cd "$SOURCE" && xargs -0 cp --parents -t "$ROOT$APP")
else
    (cd "$SOURCE" && tar --exclude=.venv --exclude=.git -cf - .) | tar -C "$ROOT$APP" -xf -
fi
if [ -n "$VENV" ]; then
    ln -sfn "$(cd "$VENV" && pwd)" "$ROOT$APP/.venv"
else
    [ -x "$ROOT$APP/.venv/bin/python" ] || python3 -m venv "$ROOT$APP/.venv"
    "$ROOT$APP/.venv/bin/python" -m pip install -q --disable-pip-version-check "$ROOT$APP"
fi

# --- 4. the folders ----------------------------------------------------------
log "dossiers"
install -d -m 0750 "$ROOT$DATA" "$ROOT$SRV" "$ROOT$SRV/documents"
# The table's user writes its configuration (Administration, on the master
# screen): the file is replaced atomically, so the folder is writable too.
install -d -m 0770 "$ROOT$ETC"
owner root:"$USER_NAME" "$ROOT$ETC"
owner -R "$USER_NAME:$USER_NAME" "$ROOT$DATA" "$ROOT$SRV"

# --- 5. the configuration ----------------------------------------------------
target="$ROOT$ETC/config.toml"
if [ -n "$CONFIG" ]; then
    install -m 0660 "$CONFIG" "$target"
elif [ ! -e "$target" ]; then
    log "configuration de départ (la commune de démonstration) : à modifier dans $ETC/config.toml"
    sed -e "s#^folder = \"documents\"#folder = \"$ROOT$SRV/documents\"#" \
        -e "s#^folder = \"donnees\"#folder = \"$ROOT$DATA\"#" \
        "$SOURCE/resources/demo/commune.toml" > "$target"
    chmod 0660 "$target"
fi
owner root:"$USER_NAME" "$target"
if ! "$ROOT$APP/.venv/bin/table-app" check "$target"; then
    die "la configuration $ETC/config.toml est à corriger (voir ci-dessus), puis relancez"
fi

# --- 6. the units --------------------------------------------------------------
log "services systemd"
mkdir -p "$ROOT$UNITS"
render() {  # the unit, its paths moved under ROOT for a test install
    sed -e "s#/opt/table-du-conseil#$ROOT$APP#g" \
        -e "s#/etc/table-du-conseil#$ROOT$ETC#g" \
        -e "s#/var/lib/table-du-conseil#$ROOT$DATA#g" \
        -e "s#/srv/table-du-conseil#$ROOT$SRV#g" "$1" > "$2"
    chmod 0644 "$2"
}
render "$SOURCE/kiosk.service" "$ROOT$UNITS/table-du-conseil.service"
enable=(table-du-conseil.service)
for unit in "$SOURCE"/deploy/*.service "$SOURCE"/deploy/*.timer; do
    [ -e "$unit" ] || continue
    render "$unit" "$ROOT$UNITS/$(basename "$unit")"
    case "$unit" in *.timer) enable+=("$(basename "$unit")") ;; esac
done
if [ -z "$ROOT" ]; then
    systemctl daemon-reload
    systemctl disable getty@tty1.service >/dev/null 2>&1 || true
    systemctl enable "${enable[@]}"
    log "installée : la table démarrera au prochain allumage (ou : systemctl start table-du-conseil)"
else
    log "installée dans $ROOT (sans paquets, ni utilisateur, ni systemctl)"
fi

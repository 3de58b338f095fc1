#!/usr/bin/env bash
# Installs (or upgrades) FastAgent on a systemd VM. Idempotent: re-running replaces the binary and the unit and
# keeps the environment file and the database.
#   sudo scripts/install.sh [path/to/fastagent]      (default: dist/fastagent; build it with `bun run build`)
# Variables: PREFIX (/opt/fastagent), ETC (/etc/fastagent), UNIT_DIR (/etc/systemd/system), NO_SYSTEMCTL=1 to skip
# systemctl (containers, tests).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
binary="${1:-$here/../dist/fastagent}"
PREFIX="${PREFIX:-/opt/fastagent}"
ETC="${ETC:-/etc/fastagent}"
UNIT_DIR="${UNIT_DIR:-/etc/systemd/system}"

[ -x "$binary" ] || { echo "install.sh: no executable at $binary (run: bun run build)" >&2; exit 1; }

if [ -z "${NO_SYSTEMCTL:-}" ] && ! id fastagent >/dev/null 2>&1; then
  useradd --system --home-dir /var/lib/fastagent --no-create-home --shell /usr/sbin/nologin fastagent
fi

install -d -m 0755 "$PREFIX"
# Replace atomically: a running process keeps its old inode until the restart.
install -m 0755 "$binary" "$PREFIX/fastagent.new"
mv -f "$PREFIX/fastagent.new" "$PREFIX/fastagent"

install -d -m 0750 "$ETC"
if [ ! -f "$ETC/env" ]; then
  cat > "$ETC/env" <<'ENV'
# FastAgent environment (see `fastagent --help` for every variable). Required:
AUDIOCODES_BOT_TOKEN=change-me-long-random-token
OPENAI_API_KEY=sk-change-me
# PORT=8080
# PUBLIC_BASE_URL=https://bot.example.com
# BUSINESS_NAME=FastAgent Clinic
# BUSINESS_TIMEZONE=Europe/Berlin
# BUSINESS_HOURS=Mon-Fri 09:00-17:00
# TWILIO_ACCOUNT_SID= TWILIO_AUTH_TOKEN= TWILIO_FROM_NUMBER=
# AUDIOCODES_API_URL= AUDIOCODES_API_CLIENT_ID= AUDIOCODES_API_CLIENT_SECRET= AUDIOCODES_BOT_NAME=
ENV
  chmod 0640 "$ETC/env"
  echo "wrote $ETC/env: set AUDIOCODES_BOT_TOKEN and OPENAI_API_KEY"
fi
if id fastagent >/dev/null 2>&1; then chgrp fastagent "$ETC/env" || true; fi

install -d -m 0755 "$UNIT_DIR"
install -m 0644 "$here/fastagent.service" "$UNIT_DIR/fastagent.service"

if [ -z "${NO_SYSTEMCTL:-}" ]; then
  systemctl daemon-reload
  systemctl enable fastagent.service >/dev/null
  # restart drains live calls first (SIGTERM), then starts the new binary.
  systemctl restart fastagent.service
  echo "fastagent installed and (re)started; check: systemctl status fastagent; curl localhost:8080/readyz"
else
  echo "fastagent installed to $PREFIX (systemctl skipped)"
fi

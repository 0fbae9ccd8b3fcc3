#!/usr/bin/env bash
# Starts N GovData Hub app processes on one PostgreSQL, on loopback ports BASE..BASE+N-1 (behind nginx, see
# deploy/nginx-govdata.conf), each `streamlit run serve.py` (the app and its HttpOnly session-cookie route). Every
# process needs the same GOVDATA_DATABASE_URL, GOVDATA_SECRET_KEY, audit, backup and personal-data keys
# (GOVDATA_AUDIT_KEY, GOVDATA_BACKUP_KEY, GOVDATA_PERSONAL_DATA_KEY) and audit checkpoint directory: put them in the
# environment file. The daily jobs run once a day across all processes (a locked marker row in the database).
#   usage: deploy/run-app-servers.sh N [BASE_PORT]      (e.g. from a systemd unit, or govdata@.service per port)
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:?number of app processes}"
base="${2:-8501}"
: "${GOVDATA_DATABASE_URL:?set GOVDATA_DATABASE_URL (PostgreSQL) for every process}"
: "${GOVDATA_SECRET_KEY:?set GOVDATA_SECRET_KEY: every process must sign and read the same session tickets}"
.venv/bin/python manage.py init-db
pids=()
for ((i = 0; i < n; i++)); do
  .venv/bin/streamlit run serve.py --server.address 127.0.0.1 --server.port $((base + i)) --server.headless true \
    --browser.gatherUsageStats false &
  pids+=($!)
done
trap 'kill "${pids[@]}" 2>/dev/null' INT TERM
wait

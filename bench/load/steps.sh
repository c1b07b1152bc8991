#!/bin/sh
# Stepped load on the 10,000-member organisation: gunicorn on 127.0.0.1:8017 against the
# gensidig_load database, then locust in steps of 10, 25, 50 and 100 requests/s (30 s each,
# after 45 s in which the 50 users log in, spread out), printing per step p50/p95/p99 per
# page, the achieved rate, each failure with its reason, the CPU time of the gunicorn
# workers, of PostgreSQL and of locust per request (from /proc), how busy the whole machine
# was and the load average. Bounded: gunicorn is stopped at the end, locust stops after its
# last step. Not run by CI.
set -eu
cd "$(dirname "$0")/../.."
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/gensidig_load}"
export PYTHONPATH="$PWD/src" GENSIDIG_DATA_DIR="${GENSIDIG_DATA_DIR:-/tmp/gensidig-load}"
export DJANGO_SETTINGS_MODULE=gensidig.settings GENSIDIG_LOG_LEVEL="${GENSIDIG_LOG_LEVEL:-WARNING}"
mkdir -p "$GENSIDIG_DATA_DIR"
# A database a migration behind answers every login with a 500, and the steps would measure
# redirects to the login page: refuse to start instead.
if ! .venv/bin/gensidig migrate --check >/dev/null 2>&1; then
  echo "The load database has unapplied migrations: DATABASE_URL=$DATABASE_URL .venv/bin/gensidig migrate" >&2
  exit 1
fi
# The same settings as `gensidig serve` (src/gensidig/ops/gunicorn_conf.py): a process per
# core, with threads; our own control socket off (a shared machine).
.venv/bin/gunicorn gensidig.wsgi:application -c src/gensidig/ops/gunicorn_conf.py \
  --bind 127.0.0.1:8017 --workers "${WORKERS:-2}" --threads "${THREADS:-4}" \
  --no-control-socket --log-level warning &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
# Wait until the workers answer (at most a minute), so that booting is not measured.
for _ in $(seq 60); do
  curl -fs -o /dev/null http://127.0.0.1:8017/healthz && break
  sleep 1
done
echo "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
# LOAD_CLASSES=Participant runs the participants alone (their CPU per request under gunicorn);
# by default both classes, 9 participants to 1 administrator.
# shellcheck disable=SC2086
LOAD_SERVER_PID=$server timeout 600 .venv/bin/locust -f bench/load/locustfile.py --headless --only-summary \
  --host http://127.0.0.1:8017 --users "${LOAD_USERS:-50}" --spawn-rate 50 ${LOAD_CLASSES:-} 2>&1 \
  | grep -v -e "^\[" -e "^ *$" -e "Traceback" || true

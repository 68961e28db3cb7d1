#!/usr/bin/env bash
# Start the action server, then the Rasa server with the REST and Socket.IO channels, then the
# web page with the chat widget, on localhost.
# With --shell, open `rasa shell` instead of the servers. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."

HOST=${MILA_HOST:-127.0.0.1}
RASA_PORT=${RASA_PORT:-5005}
ACTIONS_PORT=${ACTIONS_PORT:-5055}
WEB_PORT=${MILA_WEB_PORT:-8080}
MODEL=${MILA_MODEL:-models/mila.tar.gz}
# The action server this script starts (ACTION_ENDPOINT_URL overrides, e.g. for a remote one).
export ACTION_ENDPOINT_URL=${ACTION_ENDPOINT_URL:-http://127.0.0.1:${ACTIONS_PORT}/webhook}
export TRACKER_STORE_URL=${TRACKER_STORE_URL:-sqlite:///rasa.db}
export RASA_TELEMETRY_ENABLED=false SQLALCHEMY_SILENCE_UBER_WARNING=1 TF_CPP_MIN_LOG_LEVEL=2
# The socket accepts the page's origin only (credentials.yml lists port 8080's).
if [ "$WEB_PORT" != 8080 ] && [ -z "${MILA_WEB_ORIGINS:-}" ]; then
  export MILA_WEB_ORIGINS="http://127.0.0.1:$WEB_PORT,http://localhost:$WEB_PORT"
fi
mkdir -p .run

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_for() {  # wait_for URL NAME LOG PID
  for _ in $(seq 1 240); do
    if curl -fs -o /dev/null "$1"; then return 0; fi
    if ! kill -0 "$4" 2>/dev/null; then
      echo "error: the $2 stopped while starting; the end of its log ($3):" >&2
      tail -n 30 "$3" >&2; exit 1
    fi
    sleep 0.5
  done
  echo "error: the $2 did not answer at $1 within 2 minutes; see $3" >&2; exit 1
}

echo "Starting the action server on $HOST:$ACTIONS_PORT (log: .run/actions.log)..."
SANIC_HOST=$HOST .venv/bin/rasa run actions --actions actions --port "$ACTIONS_PORT" > .run/actions.log 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$ACTIONS_PORT/health" "action server" .run/actions.log "${pids[-1]}"

if [ "${1:-}" = "--shell" ]; then
  echo "Opening rasa shell (buttons appear as numbered choices; /stop to quit)."
  .venv/bin/rasa shell --model "$MODEL" --endpoints endpoints.yml --port "$RASA_PORT"
  exit 0
fi

# Slack and Telegram only when one of their tokens is set (docs/messaging.md).
CREDENTIALS=credentials.yml
if [ -n "${SLACK_BOT_TOKEN:-}${TELEGRAM_BOT_TOKEN:-}" ]; then
  { cat credentials.yml; echo; cat credentials.messaging.yml; } > .run/credentials.yml
  CREDENTIALS=.run/credentials.yml
  echo "Slack/Telegram tokens found: messaging channels on (their state is in .run/rasa.log)."
fi

echo "Starting the Rasa server on $HOST:$RASA_PORT (log: .run/rasa.log)..."
# production/serve.py: `rasa run` with the HTTP API off unless MILA_ENABLE_API=true and
# MILA_JWT_SECRET are set (docs/production.md).
.venv/bin/python -m production.serve --model "$MODEL" --interface "$HOST" --port "$RASA_PORT" \
  --endpoints endpoints.yml --credentials "$CREDENTIALS" > .run/rasa.log 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$RASA_PORT/webhooks/rest/" "Rasa server" .run/rasa.log "${pids[-1]}"

echo "Starting the web page server on $HOST:$WEB_PORT (log: .run/web.log)..."
.venv/bin/python -m scripts.web_server --host "$HOST" --port "$WEB_PORT" \
  --socket-port "$RASA_PORT" > .run/web.log 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$WEB_PORT/" "web page server" .run/web.log "${pids[-1]}"

cat <<MSG

The assistant is ready.
  Page:  http://$HOST:$WEB_PORT/ (the chat widget: "Any questions?")
  REST:  curl -s http://$HOST:$RASA_PORT/webhooks/rest/webhook -H 'Content-Type: application/json' \\
           -d '{"sender": "me", "message": "Qui a fondé Mila ?"}'
  Logs:  .run/rasa.log, .run/actions.log, .run/web.log
Press Ctrl-C to stop.
MSG
wait -n
echo "error: a server stopped; see .run/*.log" >&2
exit 1

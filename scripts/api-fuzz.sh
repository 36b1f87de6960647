#!/usr/bin/env bash
# Runs schemathesis (every check) against a real Abbo instance with a fresh database.
# Installs schemathesis into target/schemathesis-venv when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION="4.32.5"
venv="target/schemathesis-venv"
if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "schemathesis==$SCHEMATHESIS_VERSION"
fi

cargo build -q --bin abbo
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
export ABBO_SERVER__BIND="127.0.0.1:$port" ABBO_SERVER__BASE_URL="$base"
export ABBO_STORAGE__DATA_DIR="$work" ABBO_DATABASE__URL="sqlite://$work/abbo.db"
export ABBO_EMAIL__URL="file://$work/outbox" ABBO_CONFIG="$work/none.toml"
target/debug/abbo serve >"$work/server.log" 2>&1 &
server=$!
cleanup() { kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
for _ in $(seq 1 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.1; done

# First-run setup through the real form, then a key from the command line.
jar="$work/cookies"
token=$(curl -s -c "$jar" "$base/setup" | grep -o 'name="csrf_token" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//')
curl -s -b "$jar" -c "$jar" -o /dev/null -w '%{http_code}\n' "$base/setup" \
  --data-urlencode "csrf_token=$token" --data-urlencode "merchant_name=Fuzz BV" \
  --data-urlencode "email=owner@example.com" --data-urlencode "password=correct horse battery" \
  --data-urlencode "password_confirm=correct horse battery" | grep -q 303
key=$(target/debug/abbo api-key create --name schemathesis 2>/dev/null)

# A little data, so reads and actions reach real rows, not only 404s.
api() { curl -sf -H "Authorization: Bearer $key" -H 'Content-Type: application/json' "$@"; }
id_of() { python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])'; }
product=$(api "$base/api/v1/products" -d '{"name":"Fiets","amount":"12.95","interval":"1 month","mandate_methods":["email","online_payment"]}' | id_of)
customer=$(api "$base/api/v1/customers" -d '{"last_name":"de Vries","email":"jan@example.nl"}' | id_of)
mandate=$(api "$base/api/v1/mandates" -d "{\"customer_id\":\"$customer\",\"reference\":\"FUZZ-1\",\"signature_date\":\"2026-01-15\",\"iban\":\"NL91ABNA0417164300\",\"account_holder\":\"J. de Vries\"}" | id_of)
subscription=$(api "$base/api/v1/products/$product/sign-up" -d "{\"customer_id\":\"$customer\",\"mandate_id\":\"$mandate\",\"create_invoice\":true}" | id_of)
due=$(date -d '+40 days' +%F)
api "$base/api/v1/transactions" -d "{\"subscription_id\":\"$subscription\",\"amount\":\"25.00\",\"due_date\":\"$due\",\"description\":\"Extra\"}" >/dev/null

"$venv/bin/schemathesis" --config-file scripts/schemathesis.toml run "$base/api/v1/openapi.json" \
  --checks all \
  --header "Authorization: Bearer $key" \
  --max-examples "${FUZZ_EXAMPLES:-40}" \
  --workers 1 \
  --suppress-health-check too_slow \
  "$@"

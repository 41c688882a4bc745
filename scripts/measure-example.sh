#!/usr/bin/env bash
# Calls and wall time of `apply` from scratch and of a no-op `plan` on the example stack,
# against a fresh local moto_server. Prints medians over RUNS runs (default 5).
# The account gets the hosted zone idrv5.example.com (prod's custom domain needs it), and
# moto issues certificates after ACM_WAIT seconds (default 3).
# Usage: bash scripts/measure-example.sh [STACK_FILE]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_moto
stack="${1:-stacks/idrv5/dev.yaml}"
runs="${RUNS:-5}"
cargo build --release --quiet
bin=target/release/idrv5-gw
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
log=$(mktemp)
env -u AWS_PROFILE MOTO_ACM_VALIDATION_WAIT="${ACM_WAIT:-3}" moto_server -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
moto=$!
trap 'kill $moto 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/moto-api/" >/dev/null && break; sleep 0.1; done
export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing NO_COLOR=1
unset AWS_PROFILE
stat_of() { grep '^aws calls:' | sed -E 's/^aws calls: ([0-9]+) .*wall time: ([0-9]+) ms$/\1 \2/'; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
apply_calls=(); apply_ms=(); plan_calls=(); plan_ms=()
for i in $(seq "$runs"); do
  curl -sf -X POST "http://127.0.0.1:$port/moto-api/reset" >/dev/null
  # boto3 comes with moto; moto tells services apart by the request's signature.
  python3 -c "import boto3; boto3.client('route53', endpoint_url='$AWS_ENDPOINT_URL', region_name='us-east-1').create_hosted_zone(Name='idrv5.example.com', CallerReference='measure-$i')"
  read -r c ms < <("$bin" apply --stack "$stack" --auto-approve --stats 2>&1 >/dev/null | stat_of)
  apply_calls+=("$c"); apply_ms+=("$ms")
  read -r c ms < <("$bin" plan --stack "$stack" --stats 2>&1 >/dev/null | stat_of)
  plan_calls+=("$c"); plan_ms+=("$ms")
done
echo "stack: $stack, $runs runs, moto $(python3 -c 'import moto; print(moto.__version__)') on loopback"
printf '%-22s %8s %14s\n' "command" "calls" "median wall"
printf '%-22s %8s %11s ms\n' "apply (from scratch)" "$(printf '%s\n' "${apply_calls[@]}" | median)" "$(printf '%s\n' "${apply_ms[@]}" | median)"
printf '%-22s %8s %11s ms\n' "plan (no changes)" "$(printf '%s\n' "${plan_calls[@]}" | median)" "$(printf '%s\n' "${plan_ms[@]}" | median)"

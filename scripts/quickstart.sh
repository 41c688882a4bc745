#!/usr/bin/env bash
# One command for a new user: validate, apply and re-plan the example stack.
#
# With AWS_ENDPOINT_URL unset it starts a local AWS emulator (moto) on a free 127.0.0.1 port,
# with dummy credentials, and stops it at the end (KEEP_EMULATOR=1 leaves it running).
# With AWS_ENDPOINT_URL set it uses that endpoint and your own AWS credentials as they are.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

STACK=stacks/idrv5/dev.yaml
BIN="${CARGO_TARGET_DIR:-target}/release/idrv5-gw"

step() { printf '\n==> %s\n' "$*"; }

MOTO_PID=""
MOTO_DIR=""

cleanup() {
  local rc=$?
  if [[ -n "$MOTO_PID" && "${KEEP_EMULATOR:-0}" == 1 ]] && kill -0 "$MOTO_PID" 2>/dev/null; then
    printf '\nThe emulator keeps running (KEEP_EMULATOR=1): pid %s, log %s\n' "$MOTO_PID" "$MOTO_DIR/moto.log"
    printf 'Use it with:\n  export AWS_ENDPOINT_URL=%s AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing\n' "$AWS_ENDPOINT_URL"
    printf 'Stop it with:\n  kill %s\n' "$MOTO_PID"
  else
    if [[ -n "$MOTO_PID" ]]; then
      kill "$MOTO_PID" 2>/dev/null || true
      wait "$MOTO_PID" 2>/dev/null || true
      if [[ $rc -ne 0 && -s "$MOTO_DIR/moto.log" ]]; then
        printf '\n--- last lines of the emulator log ---\n' >&2
        tail -n 30 "$MOTO_DIR/moto.log" >&2 || true
      fi
    fi
    if [[ -n "$MOTO_DIR" ]]; then rm -rf "$MOTO_DIR"; fi
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Waits until the emulator started as pid $1 on port $2 (logging to $3) answers.
# Exit status: 0 ready, 1 timed out, 2 the process died.
wait_for_moto() {
  python3 - "$@" <<'PY'
import os, sys, time, urllib.request
pid, port, log = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ready = f"Running on http://127.0.0.1:{port}"   # proves *this* process bound the port
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy
deadline = time.time() + 30
while time.time() < deadline:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        sys.exit(2)
    try:
        with open(log, errors="replace") as f:
            bound = ready in f.read()
        if bound:
            with opener.open(f"http://127.0.0.1:{port}/moto-api/", timeout=2) as r:
                if r.status == 200:
                    sys.exit(0)
    except Exception:
        pass
    time.sleep(0.1)
sys.exit(1)
PY
}

start_emulator() {
  local moto_cmd port status attempt
  mapfile -t moto_cmd < <(moto_server_cmd)
  MOTO_DIR=$(mktemp -d "${TMPDIR:-/tmp}/idrv5-gw-quickstart.XXXXXX")
  for attempt in 1 2 3; do
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    # Run from its own directory so nothing it writes lands in the repository, and with none
    # of your AWS_* settings (moto runs botocore inside: an unknown AWS_PROFILE would turn
    # every call into a 500).
    (
      cd "$MOTO_DIR"
      while read -r var; do unset "$var"; done < <(compgen -e | grep '^AWS_' || true)
      exec env AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing \
        "${moto_cmd[@]}" -H 127.0.0.1 -p "$port"
    ) >"$MOTO_DIR/moto.log" 2>&1 &
    MOTO_PID=$!
    status=0
    wait_for_moto "$MOTO_PID" "$port" "$MOTO_DIR/moto.log" || status=$?
    if [[ $status -eq 0 ]]; then
      export AWS_ENDPOINT_URL="http://127.0.0.1:$port"
      echo "emulator: ${moto_cmd[*]} on $AWS_ENDPOINT_URL (pid $MOTO_PID)"
      return 0
    fi
    kill "$MOTO_PID" 2>/dev/null || true
    wait "$MOTO_PID" 2>/dev/null || true
    if [[ $status -eq 2 ]] && grep -q 'Address already in use' "$MOTO_DIR/moto.log" && [[ $attempt -lt 3 ]]; then
      continue  # someone took the port between our probe and moto's bind: try another
    fi
    MOTO_PID=""
    echo "error: the AWS emulator did not start (${moto_cmd[*]}); its log:" >&2
    tail -n 30 "$MOTO_DIR/moto.log" >&2 || true
    echo "If moto is broken, reinstall it: python3 -m pip install --upgrade '$MOTO_REQUIREMENT'" >&2
    return 1
  done
}

step "1/5 AWS emulator"
ensure_moto
if [[ -z "${AWS_ENDPOINT_URL:-}" ]]; then
  start_emulator
  # Dummy credentials for the emulator only; nothing of your own AWS setup is used.
  export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_EC2_METADATA_DISABLED=true
  unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_SECURITY_TOKEN
  while read -r var; do unset "$var"; done < <(compgen -e | grep '^AWS_ENDPOINT_URL_' || true)
  export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}"
  export no_proxy="127.0.0.1,localhost${no_proxy:+,$no_proxy}"
else
  echo "using AWS_ENDPOINT_URL=$AWS_ENDPOINT_URL (set by you; no local emulator started)"
fi

step "2/5 build (cargo build --release; the first build takes a few minutes)"
cargo build --release --quiet

step "3/5 validate: idrv5-gw validate --stack $STACK"
"$BIN" validate --stack "$STACK"

step "4/5 apply: idrv5-gw apply --stack $STACK --auto-approve"
"$BIN" apply --stack "$STACK" --auto-approve

step "5/5 plan again, which must find nothing to do: idrv5-gw plan --stack $STACK"
plan_out=$("$BIN" plan --stack "$STACK") || {
  echo "error: idrv5-gw plan failed" >&2
  exit 1
}
printf '%s\n' "$plan_out"
# shellcheck disable=SC2001  # strip ANSI colour codes
plain=$(sed $'s/\x1b\\[[0-9;]*[A-Za-z]//g' <<<"$plan_out")
if ! grep -q '^No changes\.' <<<"$plain"; then
  echo "error: the plan after apply still has changes (no line starting 'No changes.')" >&2
  exit 1
fi

printf '\nDone: the stack %s is applied on %s and a new plan finds no changes.\n' "$STACK" "$AWS_ENDPOINT_URL"

#!/usr/bin/env bash
# The test command: installs the AWS emulators the integration tests start (moto[server] >= 5.2,
# and LocalStack in .cache/localstack-venv) if needed, then runs every test target. Arguments go to `cargo test`, e.g.
#   scripts/test.sh --test it faults:: -- --nocapture
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

echo "==> AWS emulator"
ensure_moto

echo "==> second emulator (LocalStack, tests/it/grounds.rs)"
ensure_localstack

echo "==> quota proxy (scripts/quota_proxy.py, used by scripts/bench.py)"
python3 scripts/test_quota_proxy.py

echo "==> cargo test --all-targets $*"
cargo test --all-targets "$@"

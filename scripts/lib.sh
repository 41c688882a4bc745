# shellcheck shell=bash
# Helpers shared by scripts/test.sh and scripts/quickstart.sh. Source it; don't run it.
#
#   ensure_moto        install the AWS emulator (PyPI moto[server] >= 5.2) if it is missing
#                      or too old, then print its version
#   moto_server_cmd    print the command that starts it (moto_server, else python3 -m moto.server)
#   ensure_localstack  install LocalStack (the second emulator) into a venv with Python 3.13,
#                      cached in .cache/localstack-venv, and export IDRV5_LOCALSTACK_PYTHON

MOTO_REQUIREMENT='moto[server]>=5.2'
MOTO_MIN_VERSION='5.2'

# Exit 0 when python3 can import moto's server (which needs the [server] extra: flask,
# flask-cors) and moto's version is >= MOTO_MIN_VERSION.
moto_ok() {
  python3 - "$MOTO_MIN_VERSION" >/dev/null 2>&1 <<'PY'
import importlib.metadata
import re
import sys

import moto.server  # noqa: F401  (fails without flask / flask-cors)

def key(version):
    return tuple(int(n) for n in re.findall(r"\d+", version)[:3])

sys.exit(0 if key(importlib.metadata.version("moto")) >= key(sys.argv[1]) else 1)
PY
}

moto_version() {
  python3 -c 'import importlib.metadata as m; print(m.version("moto"))' 2>/dev/null || echo unknown
}

# pip install "$@" with python3's pip; retries with --break-system-packages when pip refuses
# because the interpreter is "externally managed" (PEP 668, e.g. Debian's /usr/bin/python3).
pip_install() {
  if ! python3 -m pip --version >/dev/null 2>&1; then
    python3 -m ensurepip --upgrade >/dev/null 2>&1 || true
  fi
  if ! python3 -m pip --version >/dev/null 2>&1; then
    echo "error: python3 has no pip; install it (Debian/Ubuntu: apt-get install python3-pip) and retry" >&2
    return 1
  fi
  local out
  if out=$(python3 -m pip install --quiet --disable-pip-version-check "$@" 2>&1); then
    return 0
  fi
  if grep -qi 'externally.managed' <<<"$out"; then
    echo "pip refused (externally managed environment); retrying with --break-system-packages"
    python3 -m pip install --quiet --disable-pip-version-check --break-system-packages "$@"
    return
  fi
  printf '%s\n' "$out" >&2
  return 1
}

ensure_moto() {
  if ! command -v python3 >/dev/null 2>&1; then
    echo "error: python3 is needed to run the AWS emulator (moto); install Python 3 and retry" >&2
    return 1
  fi
  if ! moto_ok; then
    echo "installing the AWS emulator: python3 -m pip install '$MOTO_REQUIREMENT'"
    pip_install "$MOTO_REQUIREMENT" || {
      echo "error: could not install $MOTO_REQUIREMENT; install it by hand: python3 -m pip install '$MOTO_REQUIREMENT'" >&2
      return 1
    }
    # pyenv only makes new console scripts (moto_server) visible after a rehash.
    if command -v pyenv >/dev/null 2>&1; then pyenv rehash >/dev/null 2>&1 || true; fi
    hash -r
    if ! moto_ok; then
      echo "error: $MOTO_REQUIREMENT was installed but python3 still cannot import moto.server (version $(moto_version))" >&2
      return 1
    fi
  fi
  echo "moto $(moto_version) ($(python3 --version 2>&1), $(command -v python3))"
}

# The command that starts the emulator, one word per line (read it with mapfile).
moto_server_cmd() {
  if command -v moto_server >/dev/null 2>&1; then
    command -v moto_server
  else
    printf '%s\n' python3 -m moto.server
  fi
}

# LocalStack without Docker: facts and pins in docs/EMULATOR.md. It needs Python 3.13 (it dies
# at import on 3.11, and 3.12.1 lacks its runtime plugins) and three pins its dependencies
# break without.
LOCALSTACK_REQUIREMENTS=('localstack-core[runtime]==2026.3.0' service_identity 'cbor2<6' 'pyopenssl<26' 'cryptography<47')

# A Python 3.13: on PATH, else pyenv's.
python313() {
  local p
  for p in python3.13 "$(pyenv root 2>/dev/null)"/versions/3.13*/bin/python3; do
    if [ -x "$(command -v "$p" 2>/dev/null || echo "$p")" ] && "$p" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' 2>/dev/null; then
      command -v "$p" 2>/dev/null || echo "$p"
      return 0
    fi
  done
  return 1
}

ensure_localstack() {
  local venv="${IDRV5_LOCALSTACK_VENV:-$PWD/.cache/localstack-venv}"
  if ! "$venv/bin/python" -c 'import localstack.runtime.main' >/dev/null 2>&1; then
    local py
    if ! py=$(python313); then
      echo "error: LocalStack needs Python 3.13 (python3.13 on PATH, or pyenv's 3.13); install it and retry" >&2
      return 1
    fi
    echo "installing LocalStack into $venv ($py): ${LOCALSTACK_REQUIREMENTS[*]}"
    rm -rf "$venv"
    "$py" -m venv "$venv" &&
      "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${LOCALSTACK_REQUIREMENTS[@]}" || {
        echo "error: could not install LocalStack into $venv" >&2
        return 1
      }
  fi
  export IDRV5_LOCALSTACK_PYTHON="$venv/bin/python"
  echo "LocalStack $("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("localstack-core"))') ($IDRV5_LOCALSTACK_PYTHON)"
}

# Sourced by .ci/e2e and test/try: install the pinned moto server into a
# virtualenv (CISGUARD_VENV, default .ci/.venv), start it on a free
# loopback port, and stop it when the sourcing script exits. Sets venv,
# work (a scratch directory removed at exit, moto's log in it), port and
# moto_pid. Run from the repository root.

MOTO=$(grep '^moto' .ci/requirements.txt) # the pin lives there
venv=${CISGUARD_VENV:-$PWD/.ci/.venv}
[ -x "$venv/bin/python" ] || "${PYTHON:-python3}" -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "$MOTO"

work=$(mktemp -d)
moto_pid=
moto_stop() {
  if [ -n "$moto_pid" ]; then
    kill "$moto_pid" 2>/dev/null || true
    wait "$moto_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap moto_stop EXIT

# A free loopback port, then moto on it. AWS managed policies
# (AWSSupportAccess for 1.17) exist in AWS; moto loads them only when asked.
port=$("$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
MOTO_IAM_LOAD_MANAGED_POLICIES=true "$venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
moto_pid=$!
for _ in $(seq 1 100); do
  if "$venv/bin/python" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/moto-api/', timeout=1)" 2>/dev/null; then
    break
  fi
  if ! kill -0 "$moto_pid" 2>/dev/null; then
    echo "moto did not start:" >&2
    cat "$work/moto.log" >&2
    exit 1
  fi
  sleep 0.2
done

#!/usr/bin/env bash
# Relais developer entry point.  On a fresh Debian machine:
#   ./dev.sh demo   install, then translate the bundled example web page into French
#   ./dev.sh test   install, then run the whole test suite, on SQLite and on PostgreSQL
set -euo pipefail
cd "$(dirname "$0")"

VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Debian packages the install and the tests need.  Installed only when missing.
system_packages() {
    # hunspell dictionaries and Grammalecte: the spelling, grammar and names checks read
    # them, and every translation is checked; FreeDict's English→target dictionaries: the
    # lexicon meaning.unsupported reads (relais/checks/lexicon.py).
    local want=(python3 python3-venv python3-dev build-essential cmake git
                hunspell-fr hunspell-de-de hunspell-es hunspell-it hunspell-pt-pt python3-grammalecte
                dict-freedict-eng-fra dict-freedict-eng-deu dict-freedict-eng-spa dict-freedict-eng-ita
                dict-freedict-eng-por "$@") missing=()
    for pkg in "${want[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "installing Debian packages: ${missing[*]}" >&2
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

venv() {
    if [ ! -x "$VENV/bin/python" ]; then
        "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
            || { echo "error: Relais needs Python 3.11 or newer ($PYTHON is $("$PYTHON" -V 2>&1))" >&2; exit 1; }
        "$PYTHON" -m venv "$VENV"
    fi
    # llama-cpp-python compiles from source the first time (several minutes on 2 cores);
    # pip keeps the built wheel in its cache, so later installs take seconds.  On x86-64
    # it is built for AVX2 rather than for the build machine (-march=native): a native
    # build on a CPU with AMX (Sapphire Rapids and later) puts Q4_K weights in ggml's AMX
    # buffers and segfaults on the first completion of the shipped model (llama.cpp issue
    # 20824), and one instruction set everywhere keeps engine output alike across machines.
    if [ -z "${CMAKE_ARGS:-}" ] && [ "$(uname -m)" = x86_64 ]; then
        export CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON"
    fi
    local log="$VENV/pip-install.log"
    echo "installing Python packages into $VENV (log: $log)" >&2
    if ! "$VENV/bin/pip" install --disable-pip-version-check -c constraints.txt -e ".$1" >"$log" 2>&1; then
        grep -v "is ignored: it is neither a file nor a directory" "$log" | tail -n 30 >&2
        echo "error: installing Relais into $VENV failed (full log: $log)" >&2
        exit 1
    fi
}

# The PostgreSQL tests need a running server: start the machine's cluster (Debian's
# postgresql package) if it is down, and make sure the role the tests use exists.
# Prints the admin URL the tests create their databases from.
postgres_for_tests() {
    local line ver cluster port status
    line=$(pg_lsclusters -h 2>/dev/null | head -n 1)
    [ -n "$line" ] || { echo "error: no PostgreSQL cluster (install the postgresql package)" >&2; exit 1; }
    read -r ver cluster port status _ <<<"$line"
    if [ "$status" != "online" ]; then
        as_root pg_ctlcluster "$ver" "$cluster" start >&2
    fi
    as_root runuser -u postgres -- psql -q -p "$port" -v ON_ERROR_STOP=1 -c "DO \$\$BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'relais_test') THEN
            CREATE ROLE relais_test LOGIN PASSWORD 'relais_test' CREATEDB;
        END IF; END\$\$;" >&2
    echo "postgresql+psycopg://relais_test:relais_test@127.0.0.1:$port/postgres"
}

case "${1:-}" in
    demo)
        system_packages
        venv ""
        mkdir -p out
        "$VENV/bin/relais" translate examples/story.html --to fr -o out/story.fr.md
        cat out/story.fr.md
        ;;
    test)
        # chromium: the review desk's browser tests drive it through Playwright.
        # postgresql: the store's tests run on PostgreSQL too.
        system_packages chromium postgresql
        venv "[test]"
        RELAIS_TEST_POSTGRES=$(postgres_for_tests)
        export RELAIS_TEST_POSTGRES
        shift
        # The suite on SQLite (the default store) and, at the same time, the tests that
        # take a store on PostgreSQL (every test store a fresh database, tests/stores.py):
        # two processes, one per core.  The PostgreSQL pass writes to a log printed when
        # both have ended; the exit status is non-zero if either failed.
        pg_log="$VENV/pytest-postgres.log"
        echo "=== relais tests on the sqlite store, and on the postgres store (log: $pg_log) ===" >&2
        RELAIS_TEST_BACKEND=postgres "$VENV/bin/python" -m pytest "$@" >"$pg_log" 2>&1 &
        pg_pid=$!
        trap 'kill "$pg_pid" 2>/dev/null || true' INT TERM
        sqlite_status=0 pg_status=0
        RELAIS_TEST_BACKEND=sqlite "$VENV/bin/python" -m pytest "$@" || sqlite_status=$?
        wait "$pg_pid" || pg_status=$?
        echo "=== relais tests on the postgres store (RELAIS_TEST_BACKEND=postgres) ===" >&2
        cat "$pg_log"
        label() { [ "$1" -eq 0 ] && echo passed || echo FAILED; }
        echo "=== relais tests: sqlite: $(label $sqlite_status); postgres: $(label $pg_status) ===" >&2
        [ "$sqlite_status" -eq 0 ] && [ "$pg_status" -eq 0 ]
        ;;
    *)
        echo "usage: ./dev.sh demo | ./dev.sh test [pytest args]" >&2
        exit 2
        ;;
esac

#!/usr/bin/env bash
# The set-up step of `npm test` (README, "The two commands"): makes sure Redis, PostgreSQL and MariaDB listen
# where the tests look for them and that Debian's Chromium is installed, starting or installing (apt-get) what
# is missing. Silent and quick when everything is there already, so it runs before every `npm test`.
#
# Settings (environment):
#   TEST_REDIS_URL / TEST_POSTGRES_URL / TEST_MARIADB_URL  where the tests look (defaults: 127.0.0.1 on 6379,
#       5432, 3306). Only loopback addresses are managed; another host is left to whoever runs it.
#   CHROMIUM_PATH        the browser the browser tests launch (default /usr/bin/chromium).
#   TEST_SETUP_DRY_RUN=1 install nothing and start no system service: apt-get runs as `apt-get -s` (simulate)
#       and the PostgreSQL/MariaDB start commands are printed. Redis is still started: it runs as the
#       current user, on its own port, with no data on disk.
#   TEST_SETUP_SKIP=1    do nothing (a machine whose services are managed otherwise).
set -euo pipefail

[ "${TEST_SETUP_SKIP:-}" = 1 ] && exit 0
DRY_RUN="${TEST_SETUP_DRY_RUN:-}"
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"

log() { printf '== test set-up: %s\n' "$*"; }
fail() { printf 'ERROR (test set-up): %s\n' "$*" >&2; exit 1; }
dry() { [ "$DRY_RUN" = 1 ]; }

# host and port of a URL (scheme://[user[:pass]@]host[:port][/…]); the scheme's default port when none is given.
host_of() { local rest="${1#*://}"; rest="${rest#*@}"; rest="${rest%%/*}"; printf '%s' "${rest%%:*}"; }
port_of() {
  local rest="${1#*://}"; rest="${rest#*@}"; rest="${rest%%/*}"
  if [[ "$rest" == *:* ]]; then printf '%s' "${rest##*:}"; else printf '%s' "$2"; fi
}
loopback() { [ "$1" = 127.0.0.1 ] || [ "$1" = localhost ]; }
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() { # port name
  for _ in $(seq 1 60); do listening "$1" && return 0; sleep 0.5; done
  fail "$2 is not listening on 127.0.0.1:$1 and could not be started."
}

# apt-get as root, through `sudo -n` otherwise; `apt-get -s` (no root needed) in a dry run.
apt_install() { # package…
  if dry; then
    log "would install $*: apt-get -s install $*"
    apt-get -s install "$@" || fail "apt-get -s install $* failed."
    return 0
  fi
  local sudo=()
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null 2>&1 || fail "installing $* needs root: run 'apt-get install -y $*' as root, then npm test again."
    sudo=(sudo -n)
  fi
  log "installing $* with apt-get"
  { "${sudo[@]}" apt-get update -qq && DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "$@" >/dev/null; } ||
    fail "apt-get could not install $* (run 'apt-get install -y $*' as root, then npm test again)."
}
need_pkg() { # command package
  command -v "$1" >/dev/null 2>&1 && return 0
  [ -x "/usr/sbin/$1" ] && return 0
  if ! command -v apt-get >/dev/null 2>&1; then fail "$1 is missing and there is no apt-get to install $2: install it, then npm test again."; fi
  apt_install "$2"
}
run_service() { # name command…: start a system service, or print how in a dry run
  local name="$1"; shift
  if dry; then log "would start $name: $*"; return 0; fi
  log "starting $name"
  "$@" >/dev/null
}

REDIS_URL="${TEST_REDIS_URL:-redis://127.0.0.1:6379}"
POSTGRES_URL="${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"
MARIADB_URL="${TEST_MARIADB_URL:-mysql://root@127.0.0.1:3306/test}"

# Redis: the shared instance, and the binary the fault tests start private instances with.
need_pkg redis-server redis-server
if loopback "$(host_of "$REDIS_URL")"; then
  port="$(port_of "$REDIS_URL" 6379)"
  if ! listening "$port"; then
    if command -v redis-server >/dev/null 2>&1; then
      log "starting Redis on 127.0.0.1:$port"
      redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save "" --appendonly no \
        --dir "${TMPDIR:-/tmp}" --pidfile "${TMPDIR:-/tmp}/nestjs-auth-consent-redis-$port.pid" --logfile "" >/dev/null
      wait_port "$port" Redis
    else
      log "would start Redis on 127.0.0.1:$port once redis-server is installed"
    fi
  fi
fi

if loopback "$(host_of "$POSTGRES_URL")"; then
  port="$(port_of "$POSTGRES_URL" 5432)"
  if ! listening "$port"; then
    need_pkg pg_ctlcluster postgresql
    version="$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1 || true)"
    if [ -n "$version" ]; then
      run_service PostgreSQL pg_ctlcluster --skip-systemctl-redirect "$version" main start
    else
      dry || fail "PostgreSQL is installed but has no cluster under /etc/postgresql."
      log "would start PostgreSQL: pg_ctlcluster --skip-systemctl-redirect <version> main start"
    fi
    dry || wait_port "$port" PostgreSQL
  fi
fi

if loopback "$(host_of "$MARIADB_URL")"; then
  port="$(port_of "$MARIADB_URL" 3306)"
  if ! listening "$port"; then
    need_pkg mariadbd mariadb-server
    run_service MariaDB start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
    dry || wait_port "$port" MariaDB
  fi
fi

# Browser tests drive Debian's Chromium; no test tool may download a browser.
if [ ! -x "$CHROMIUM" ]; then
  command -v apt-get >/dev/null 2>&1 || fail "$CHROMIUM is missing and there is no apt-get to install Chromium: set CHROMIUM_PATH to a Chromium."
  apt_install chromium
  dry || [ -x "$CHROMIUM" ] || fail "CHROMIUM_PATH is $CHROMIUM, which is missing; apt-get installed Debian's Chromium at /usr/bin/chromium."
fi
exit 0

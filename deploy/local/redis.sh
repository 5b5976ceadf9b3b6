#!/usr/bin/env bash
# Run a throwaway Redis (no persistence) on loopback for tests and local runs.
# Installs Debian's redis-server with apt-get the first time when it is missing.
#
#   deploy/local/redis.sh start    install (first time), start daemonized, wait for PONG
#   deploy/local/redis.sh stop     redis-cli shutdown nosave (SIGKILL after 10 s)
#   deploy/local/redis.sh status   one line; exit 0 when running, 3 when not
#   deploy/local/redis.sh logs     last lines of the redis log
#
# Environment:
#   FIXSTREAM_REDIS_PORT   port                 (default 6379)
#   FIXSTREAM_CACHE_DIR    run data and logs    (default <repo>/.cache)
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$SCRIPT_DIR/../.." && pwd)"
CACHE_ROOT="${FIXSTREAM_CACHE_DIR:-$REPO_DIR/.cache}"
PORT="${FIXSTREAM_REDIS_PORT:-6379}"
RUN_DIR="$CACHE_ROOT/run/redis-$PORT"
CONF_FILE="$RUN_DIR/redis.conf"
PID_FILE="$RUN_DIR/redis.pid"
LOG_FILE="$RUN_DIR/redis.log"
LOCK_FILE="$RUN_DIR/.lock"

say() { printf 'redis: %s\n' "$*"; }
err() { printf 'redis: %s\n' "$*" >&2; }

fail() {
    err "FAILED: $1"
    if [[ -s "$LOG_FILE" ]]; then
        err "---- last 30 lines of $LOG_FILE ----"
        tail -n 30 "$LOG_FILE" >&2 || true
        [[ -z "$(tail -c 1 "$LOG_FILE")" ]] || echo >&2
    fi
    [[ -n "${2:-}" ]] && err "what to do: $2"
    exit 1
}

install_redis() {
    command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1 && return 0
    command -v apt-get >/dev/null 2>&1 ||
        fail "redis-server is not installed and apt-get is not available" "install Redis 6+ and put redis-server and redis-cli on PATH"
    local sudo=()
    if [[ "$(id -u)" != 0 ]]; then
        command -v sudo >/dev/null 2>&1 ||
            fail "redis-server is not installed and installing it needs root" "run: sudo apt-get install redis-server"
        sudo=(sudo -n)
    fi
    local log="$RUN_DIR/apt.log" policy=/usr/sbin/policy-rc.d added_policy=0
    # Keep the package from starting its own system-wide redis on 6379.
    if [[ ! -e "$policy" ]]; then
        printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null && "${sudo[@]}" chmod +x "$policy" &&
            added_policy=1
    fi
    local ok=1
    {
        "${sudo[@]}" apt-get update -qq &&
            DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends redis-server
    } >"$log" 2>&1 || ok=0
    ((added_policy)) && "${sudo[@]}" rm -f "$policy"
    if ((!ok)); then
        err "---- last 30 lines of $log ----"
        tail -n 30 "$log" >&2 || true
        fail "apt-get install redis-server" "check the apt sources / network, then run start again"
    fi
    command -v redis-server >/dev/null 2>&1 || fail "redis-server is still missing after apt-get install" "see $log"
}

write_config() {
    cat >"$CONF_FILE" <<EOF
# Written by deploy/local/redis.sh on each start; edit the script, not this file.
bind 127.0.0.1
port $PORT
protected-mode yes
daemonize yes
pidfile $PID_FILE
logfile $LOG_FILE
loglevel warning
dir $RUN_DIR
# no persistence: this Redis is a cache for tests and local runs
save ""
appendonly no
databases 16
maxmemory 256mb
maxmemory-policy allkeys-lru
EOF
}

cli() {
    redis-cli -h 127.0.0.1 -p "$PORT" "$@"
}

pong() {
    [[ "$(cli ping 2>/dev/null)" == PONG ]]
}

port_open() {
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null
}

# Pid of our redis when it runs, else nothing (a stale pid file is removed).
running_pid() {
    [[ -f "$PID_FILE" ]] || return 1
    local pid
    pid="$(cat "$PID_FILE" 2>/dev/null || true)"
    if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null &&
        tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -Eq "redis-server.*:$PORT([^0-9]|$)"; then
        printf '%s\n' "$pid"
        return 0
    fi
    rm -f "$PID_FILE"
    return 1
}

with_lock() {
    mkdir -p "$RUN_DIR"
    if command -v flock >/dev/null 2>&1; then
        exec 9>"$LOCK_FILE"
        flock -w 60 9 || fail "another redis.sh holds $LOCK_FILE for over 60 s" "wait, or remove the lock file"
    fi
}

wait_ready() {
    local deadline=$((SECONDS + 30))
    while ((SECONDS < deadline)); do
        pong && return 0
        sleep 0.1
    done
    fail "redis did not answer PING on 127.0.0.1:$PORT within 30 s" "read $LOG_FILE, then '$0 stop' and start again"
}

cmd_start() {
    with_lock
    if running_pid >/dev/null; then
        wait_ready
        return 0
    fi
    port_open && fail "port 127.0.0.1:$PORT is taken by a process this script did not start" \
        "stop that process (ss -ltnp | grep :$PORT), or pick another port with FIXSTREAM_REDIS_PORT"
    install_redis
    write_config
    : >"$LOG_FILE"
    local out
    if ! out="$(redis-server "$CONF_FILE" 9>&- 2>&1)"; then
        err "$out"
        fail "redis-server $CONF_FILE did not start"
    fi
    wait_ready
    say "Redis $(redis-server --version | sed -n 's/.* v=\([^ ]*\).*/\1/p') up on 127.0.0.1:$PORT (pid $(cat "$PID_FILE" 2>/dev/null || echo ?), log $LOG_FILE)"
}

cmd_stop() {
    with_lock
    local pid
    pid="$(running_pid)" || return 0
    cli shutdown nosave >/dev/null 2>&1 || true
    local deadline=$((SECONDS + 10))
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        err "redis (pid $pid) did not shut down in 10 s; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$PID_FILE"
}

cmd_status() {
    local pid
    if pid="$(running_pid)"; then
        say "running (pid $pid) on 127.0.0.1:$PORT, log $LOG_FILE"
    else
        say "not running (port $PORT)"
        return 3
    fi
}

cmd_logs() {
    [[ -f "$LOG_FILE" ]] || { err "no log yet at $LOG_FILE"; return 1; }
    tail -n "${1:-100}" "$LOG_FILE"
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    logs) shift; cmd_logs "$@" ;;
    *)
        err "usage: $0 {start|stop|status|logs [N]}"
        exit 2
        ;;
esac

#!/usr/bin/env bash
# Run a real single-node Apache Kafka (KRaft, combined broker+controller) on loopback,
# without docker and without the release tarball: the broker's jars come from Maven
# Central (fetched once into the cache folder), then `kafka.Kafka` runs from them.
#
#   deploy/local/kafka.sh start     fetch (first time), format (first time), start, wait until it answers
#   deploy/local/kafka.sh stop      SIGTERM, wait up to 30 s, then SIGKILL; FIXSTREAM_KAFKA_CLEAN=1 also wipes data
#   deploy/local/kafka.sh status    one line; exit 0 when running, 3 when not
#   deploy/local/kafka.sh logs [-f] last lines of the broker log (or follow it)
#   deploy/local/kafka.sh topics    list topics (a quick end-to-end check)
#
# Environment:
#   FIXSTREAM_KAFKA_PORT             client port                  (default 9092)
#   FIXSTREAM_KAFKA_CONTROLLER_PORT  KRaft controller port        (default client port + 1)
#   FIXSTREAM_CACHE_DIR              jars and run data            (default <repo>/.cache)
#   FIXSTREAM_KAFKA_HEAP             broker heap options          (default "-Xms512m -Xmx512m")
#   FIXSTREAM_KAFKA_START_TIMEOUT    seconds to wait for the broker (default 90)
#   FIXSTREAM_KAFKA_CLEAN=1          on stop: delete the data dir too
set -euo pipefail

KAFKA_VERSION="4.1.1"          # org.apache.kafka:kafka_2.13 (Scala 2.13 build)
LOG4J_VERSION="2.24.3"         # what kafka-server 4.1.1 depends on
DEP_PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:3.8.1"

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$SCRIPT_DIR/../.." && pwd)"
CACHE_ROOT="${FIXSTREAM_CACHE_DIR:-$REPO_DIR/.cache}"
PORT="${FIXSTREAM_KAFKA_PORT:-9092}"
CONTROLLER_PORT="${FIXSTREAM_KAFKA_CONTROLLER_PORT:-$((PORT + 1))}"
HEAP_OPTS="${FIXSTREAM_KAFKA_HEAP:--Xms512m -Xmx512m}"
START_TIMEOUT="${FIXSTREAM_KAFKA_START_TIMEOUT:-90}"

DIST_DIR="$CACHE_ROOT/kafka-$KAFKA_VERSION"
LIB_DIR="$DIST_DIR/libs"
RUN_DIR="$CACHE_ROOT/run/kafka-$PORT"
DATA_DIR="$RUN_DIR/data"
LOG_DIR="$RUN_DIR/logs"
CONF_DIR="$RUN_DIR/config"
PID_FILE="$RUN_DIR/kafka.pid"
LOCK_FILE="$RUN_DIR/.lock"
SERVER_LOG="$LOG_DIR/server.log"
CONSOLE_LOG="$LOG_DIR/console.out"

say() { printf 'kafka: %s\n' "$*"; }
err() { printf 'kafka: %s\n' "$*" >&2; }

# fail WHAT HINT: say what failed, show the broker's last log lines, say what to do.
fail() {
    err "FAILED: $1"
    local f
    for f in "$SERVER_LOG" "$CONSOLE_LOG"; do
        if [[ -s "$f" ]]; then
            err "---- last 30 lines of $f ----"
            tail -n 30 "$f" >&2 || true
            [[ -z "$(tail -c 1 "$f")" ]] || echo >&2
        fi
    done
    [[ -n "${2:-}" ]] && err "what to do: $2"
    exit 1
}

need() {
    command -v "$1" >/dev/null 2>&1 || fail "'$1' is not installed" "$2"
}

check_java() {
    need java "install a Java 17+ runtime (apt-get install openjdk-17-jre-headless)"
    local v
    v="$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
    [[ "${v%%.*}" =~ ^[0-9]+$ && "${v%%.*}" -ge 17 ]] ||
        fail "Kafka $KAFKA_VERSION needs Java 17 or newer, found '${v:-unknown}'" "put a Java 17+ 'java' first on PATH"
}

# ---------------------------------------------------------------- fetch (once)

write_pom() {
    cat >"$DIST_DIR/pom.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by deploy/local/kafka.sh: only used to fetch the broker's jars. -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>fixstream.local</groupId>
  <artifactId>kafka-broker-libs</artifactId>
  <version>$KAFKA_VERSION</version>
  <packaging>pom</packaging>
  <dependencies>
    <!-- the broker: kafka.Kafka, kafka.tools.StorageTool -->
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_2.13</artifactId>
      <version>$KAFKA_VERSION</version>
    </dependency>
    <!-- command line tools (TopicCommand, ...); Kafka Connect is not needed -->
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka-tools</artifactId>
      <version>$KAFKA_VERSION</version>
      <exclusions>
        <exclusion><groupId>org.apache.kafka</groupId><artifactId>connect-runtime</artifactId></exclusion>
        <exclusion><groupId>com.fasterxml.jackson.jakarta.rs</groupId><artifactId>*</artifactId></exclusion>
      </exclusions>
    </dependency>
    <!-- the release tarball adds these by hand: the slf4j binding (Kafka uses slf4j 1.7.x,
         so the log4j-slf4j-impl flavour) and log4j-core for the log4j2 config. -->
    <dependency>
      <groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-slf4j-impl</artifactId>
      <version>$LOG4J_VERSION</version>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-core</artifactId>
      <version>$LOG4J_VERSION</version>
    </dependency>
  </dependencies>
</project>
EOF
}

fetch() {
    [[ -f "$LIB_DIR/.complete" ]] && return 0
    need mvn "install Maven (apt-get install maven) or put the jars for Kafka $KAFKA_VERSION into $LIB_DIR"
    mkdir -p "$DIST_DIR"
    write_pom
    local tmp="$DIST_DIR/libs.tmp" mvn_log="$DIST_DIR/fetch.log"
    rm -rf "$tmp"
    if ! mvn -B -q -f "$DIST_DIR/pom.xml" "$DEP_PLUGIN:copy-dependencies" \
        -DincludeScope=runtime -DoutputDirectory="$tmp" >"$mvn_log" 2>&1; then
        err "FAILED: fetching Kafka $KAFKA_VERSION jars from Maven Central (mvn dependency:copy-dependencies)"
        err "---- last 30 lines of $mvn_log ----"
        tail -n 30 "$mvn_log" >&2 || true
        err "what to do: check that https://repo.maven.apache.org is reachable (proxy settings in ~/.m2/settings.xml), then run start again"
        exit 1
    fi
    local jar
    for jar in kafka_2.13 kafka-clients kafka-server kafka-tools log4j-core log4j-slf4j-impl \
        jackson-dataformat-yaml slf4j-api; do
        compgen -G "$tmp/$jar-[0-9]*.jar" >/dev/null ||
            fail "the fetched jars lack $jar" "remove $DIST_DIR and run start again"
    done
    rm -rf "$LIB_DIR"
    mv "$tmp" "$LIB_DIR"
    date -u +%FT%TZ >"$LIB_DIR/.complete"
}

# ---------------------------------------------------------------- config

write_configs() {
    mkdir -p "$CONF_DIR" "$DATA_DIR" "$LOG_DIR"
    cat >"$CONF_DIR/server.properties" <<EOF
# Written by deploy/local/kafka.sh on each start; edit the script, not this file.
# Single node, KRaft, combined broker + controller, tuned for tests on loopback.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$DATA_DIR

num.partitions=4
default.replication.factor=1
min.insync.replicas=1
auto.create.topics.enable=true
delete.topic.enable=true

offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0

num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
log.retention.hours=24
log.segment.bytes=67108864
EOF

    # Broker logging: WARN and up, to a rolling file in the run dir.
    cat >"$CONF_DIR/log4j2.yaml" <<EOF
Configuration:
  status: error
  Appenders:
    RollingFile:
      name: file
      fileName: "$SERVER_LOG"
      filePattern: "$LOG_DIR/server.log.%i"
      PatternLayout:
        pattern: "[%d] %p %m (%c)%n"
      Policies:
        SizeBasedTriggeringPolicy:
          size: 10MB
      DefaultRolloverStrategy:
        max: 3
  Loggers:
    Root:
      level: WARN
      AppenderRef:
        - ref: file
    Logger:
      - name: kafka.server.KafkaRaftServer
        level: INFO
EOF

    # Tools (StorageTool, TopicCommand): errors only, to stderr.
    cat >"$CONF_DIR/tools-log4j2.yaml" <<'EOF'
Configuration:
  status: error
  Appenders:
    Console:
      name: stderr
      target: SYSTEM_ERR
      PatternLayout:
        pattern: "[%d] %p %m (%c)%n"
  Loggers:
    Root:
      level: ERROR
      AppenderRef:
        - ref: stderr
EOF

    cat >"$CONF_DIR/admin.properties" <<'EOF'
request.timeout.ms=3000
default.api.timeout.ms=5000
socket.connection.setup.timeout.ms=2000
socket.connection.setup.timeout.max.ms=3000
EOF
}

# Run a Kafka command-line tool (short-lived JVM, fast start-up flags).
tool() {
    java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto -Djava.awt.headless=true \
        -Dlog4j2.configurationFile="$CONF_DIR/tools-log4j2.yaml" \
        -cp "$LIB_DIR/*" "$@"
}

format_storage() {
    [[ -f "$DATA_DIR/meta.properties" ]] && return 0
    local id out
    id="$(tool kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)" ||
        fail "kafka.tools.StorageTool random-uuid did not run" "check $LIB_DIR (remove it to fetch again)"
    if ! out="$(tool kafka.tools.StorageTool format -t "$id" -c "$CONF_DIR/server.properties" 2>&1)"; then
        err "$out"
        fail "formatting the KRaft storage in $DATA_DIR" "remove $RUN_DIR and run start again"
    fi
    printf '%s\n' "$id" >"$RUN_DIR/cluster.id"
}

# ---------------------------------------------------------------- process helpers

# Pid of our broker when it runs, else nothing (and a stale pid file is removed).
running_pid() {
    [[ -f "$PID_FILE" ]] || return 1
    local pid
    pid="$(cat "$PID_FILE" 2>/dev/null || true)"
    if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null &&
        tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "kafka.Kafka $CONF_DIR/server.properties"; then
        printf '%s\n' "$pid"
        return 0
    fi
    rm -f "$PID_FILE"
    return 1
}

port_open() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

answers() {
    tool org.apache.kafka.tools.TopicCommand --bootstrap-server "127.0.0.1:$PORT" \
        --command-config "$CONF_DIR/admin.properties" --list >/dev/null 2>&1
}

wait_ready() {
    local pid="$1" deadline=$((SECONDS + START_TIMEOUT))
    while ((SECONDS < deadline)); do
        kill -0 "$pid" 2>/dev/null ||
            fail "the broker (pid $pid) exited during start-up" \
                "read the logs above ($LOG_DIR); a port conflict or a corrupt data dir (FIXSTREAM_KAFKA_CLEAN=1 $0 stop) are the usual causes"
        if port_open "$PORT" && answers; then
            return 0
        fi
        sleep 0.5
    done
    fail "the broker (pid $pid) did not answer on 127.0.0.1:$PORT within ${START_TIMEOUT}s" \
        "read $SERVER_LOG, then '$0 stop' and start again (FIXSTREAM_KAFKA_START_TIMEOUT raises the wait)"
}

with_lock() {
    mkdir -p "$RUN_DIR"
    if command -v flock >/dev/null 2>&1; then
        exec 9>"$LOCK_FILE"
        flock -w 120 9 || fail "another kafka.sh holds $LOCK_FILE for over 120 s" "wait, or remove the lock file"
    fi
}

# ---------------------------------------------------------------- commands

cmd_start() {
    with_lock
    local pid
    if pid="$(running_pid)"; then
        # Already ours; make sure it answers (a concurrent start may still be waiting).
        wait_ready "$pid"
        return 0
    fi
    local p
    for p in "$PORT" "$CONTROLLER_PORT"; do
        port_open "$p" && fail "port 127.0.0.1:$p is taken by a process this script did not start" \
            "stop that process (ss -ltnp | grep :$p), or pick other ports with FIXSTREAM_KAFKA_PORT / FIXSTREAM_KAFKA_CONTROLLER_PORT"
    done
    check_java
    fetch
    write_configs
    format_storage

    : >"$CONSOLE_LOG"
    # shellcheck disable=SC2086  # HEAP_OPTS is a list of JVM options
    setsid java $HEAP_OPTS -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
        -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent \
        -Djava.awt.headless=true -Dkafka.logs.dir="$LOG_DIR" \
        -Dlog4j2.configurationFile="$CONF_DIR/log4j2.yaml" \
        -cp "$LIB_DIR/*" kafka.Kafka "$CONF_DIR/server.properties" \
        >>"$CONSOLE_LOG" 2>&1 </dev/null 9>&- &
    pid=$!
    printf '%s\n' "$pid" >"$PID_FILE"
    wait_ready "$pid"
    say "Kafka $KAFKA_VERSION up on 127.0.0.1:$PORT (pid $pid, logs in $LOG_DIR)"
}

cmd_stop() {
    with_lock
    local pid
    if pid="$(running_pid)"; then
        kill -TERM "$pid" 2>/dev/null || true
        local deadline=$((SECONDS + 30))
        while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
            sleep 0.2
        done
        if kill -0 "$pid" 2>/dev/null; then
            err "broker (pid $pid) ignored SIGTERM for 30 s; sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
            sleep 0.5
        fi
        rm -f "$PID_FILE"
    fi
    if [[ "${FIXSTREAM_KAFKA_CLEAN:-0}" == 1 ]]; then
        rm -rf "$DATA_DIR" "$RUN_DIR/cluster.id"
    fi
}

cmd_status() {
    local pid
    if pid="$(running_pid)"; then
        say "running (pid $pid) on 127.0.0.1:$PORT, logs in $LOG_DIR"
    else
        say "not running (port $PORT)"
        return 3
    fi
}

cmd_logs() {
    [[ -f "$SERVER_LOG" ]] || { err "no log yet at $SERVER_LOG"; return 1; }
    if [[ "${1:-}" == "-f" ]]; then
        exec tail -n 50 -F "$SERVER_LOG"
    fi
    tail -n "${1:-100}" "$SERVER_LOG"
}

cmd_topics() {
    running_pid >/dev/null || { err "not running (port $PORT)"; return 3; }
    tool org.apache.kafka.tools.TopicCommand --bootstrap-server "127.0.0.1:$PORT" \
        --command-config "$CONF_DIR/admin.properties" --list
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    logs) shift; cmd_logs "$@" ;;
    topics) cmd_topics ;;
    *)
        err "usage: $0 {start|stop|status|logs [-f|N]|topics}"
        exit 2
        ;;
esac

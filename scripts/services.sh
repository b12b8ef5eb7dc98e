#!/usr/bin/env bash
# Makes sure the local Redis/KeyDB and RabbitMQ that the bridge and its tests use answer:
# a local service that is down is started with the machine's own command and waited for;
# a remote one (REDIS_URL / AMQP_URL pointing elsewhere) must already answer.
# PGBANK_SERVICES=optional (npm run setup, which needs neither): a missing service is a warning.
set -euo pipefail

say() { printf '[services] %s\n' "$*"; }
fail() {
  if [ "${PGBANK_SERVICES:-required}" = optional ]; then printf '[services] warning: %s (the bridge needs it)\n' "$*" >&2; return 0; fi
  printf '[services] cannot continue: %s\n' "$*" >&2; exit 1
}
listening() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
wait_listening() { for _ in $(seq 1 "$3"); do listening "$1" "$2" && return 0; sleep 0.5; done; return 1; }
is_local() { [[ $1 =~ ^(127\.0\.0\.1|localhost|::1)$ ]]; }
# host and port of a URL such as redis://127.0.0.1:6379 or amqp://guest:guest@127.0.0.1:5672
host_of() { sed -E 's#^[a-z]+://([^@/]*@)?([^:/]+).*#\2#' <<<"$1"; }
port_of() { sed -nE 's#^[a-z]+://([^@/]*@)?[^:/]+:([0-9]+).*#\2#p' <<<"$1"; }

ensure() { # name host port start-command...
  local name=$1 host=$2 port=$3; shift 3
  wait_listening "$host" "$port" 4 && return 0
  if is_local "$host" && command -v "$1" >/dev/null; then
    say "starting $name on $host:$port"
    "$@" >/dev/null 2>&1 || true
    wait_listening "$host" "$port" 120 && return 0
  fi
  fail "$name does not answer on $host:$port; start it or point the URL elsewhere"
}

redis_url=${REDIS_URL:-${KEYDB_URL:-redis://127.0.0.1:6379}}
amqp_url=${AMQP_URL:-amqp://guest:guest@127.0.0.1:5672}
redis_port=$(port_of "$redis_url"); amqp_port=$(port_of "$amqp_url")
ensure Redis "$(host_of "$redis_url")" "${redis_port:-6379}" \
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "${redis_port:-6379}" --save "" --appendonly no --dir /tmp
ensure RabbitMQ "$(host_of "$amqp_url")" "${amqp_port:-5672}" rabbitmq-server -detached

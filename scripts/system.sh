#!/usr/bin/env bash
# Installs and configures what PostgreSQL lacks for pgbank (idempotent):
# Debian packages pg_partman, pg_cron, plpgsql_check, pgTAP, pg_auto_failover, pgBackRest (the HA
# formation, npm run cluster), docker-compose (the compose validator) and PL/Proxy (the sharded
# router, npm run shards), then shared_preload_libraries, cron.database_name,
# max_locks_per_transaction and write-load tuning (shared_buffers, max_wal_size, wal_compression),
# wal_level = logical (change events) via ALTER SYSTEM, and a
# restart of PostgreSQL only when a setting needs one.
set -euo pipefail

PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
PGUSER=${PGUSER:-postgres}
export PGHOST PGPORT PGUSER
PG_MAJOR=15
PACKAGES=(postgresql-$PG_MAJOR-partman postgresql-$PG_MAJOR-cron postgresql-$PG_MAJOR-plpgsql-check
  postgresql-$PG_MAJOR-pgtap docker-compose postgresql-$PG_MAJOR-auto-failover pgbackrest
  postgresql-$PG_MAJOR-plproxy)
# One pg_cron scheduler per cluster lives in this database; each pgbank database registers its
# jobs there with cron.schedule_in_database (see docs/ledger.md, "Schema and partitions").
CRON_DB=${PGBANK_CRON_DATABASE:-postgres}
# ~1,450 daily partitions x 5 relations are locked by DDL on the partitioned table.
MIN_LOCKS=1024

say() { printf '[system] %s\n' "$*"; }
fail() { printf '[system] cannot continue: %s\n' "$*" >&2; exit 1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo "$@"; else return 77; fi; }

# --- packages -----------------------------------------------------------------------------
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq \
    || ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
    fail "could not install packages. Run as root: apt-get update && apt-get install -y ${missing[*]}"
  fi
fi

# --- server settings ----------------------------------------------------------------------
# A local cluster that is down (or still starting) is started and waited for; a remote one
# must already answer.
wait_ready() { for _ in $(seq 1 "$1"); do pg_isready -q && return 0; sleep 0.5; done; pg_isready -q; }
if ! wait_ready 10; then
  local_cluster=$(pg_lsclusters -h 2>/dev/null | awk -v port="$PGPORT" '$3 == port && $4 != "online" {print $2; exit}')
  if [[ $PGHOST =~ ^(127\.0\.0\.1|localhost|::1|/.*)$ && -n $local_cluster ]]; then
    say "starting PostgreSQL $PG_MAJOR/$local_cluster on port $PGPORT"
    as_root pg_ctlcluster --skip-systemctl-redirect $PG_MAJOR "$local_cluster" start \
      || as_root pg_ctlcluster $PG_MAJOR "$local_cluster" start || true
  fi
  wait_ready 60 || fail "PostgreSQL does not answer on $PGHOST:$PGPORT. Start it (e.g. pg_ctlcluster $PG_MAJOR main start) or set PGHOST/PGPORT."
fi
q() { psql -X -q -At -d postgres -v ON_ERROR_STOP=1 -c "$1"; }
[ "$(q 'select rolsuper from pg_roles where rolname = current_user')" = t ] \
  || fail "PGUSER=$PGUSER is not a superuser; ask an administrator to run this script once."

preload=$(q "select setting from pg_settings where name = 'shared_preload_libraries'")
if ! grep -qw pg_cron <<<"$preload"; then
  new=$(sed -E 's/^ *$//; s/(.+)/\1,/' <<<"$preload")pg_cron
  say "shared_preload_libraries: '$preload' -> '$new'"
  q "alter system set shared_preload_libraries = '$new'"
fi
locks=$(q "select setting::int from pg_settings where name = 'max_locks_per_transaction'")
[ "$locks" -ge $MIN_LOCKS ] \
  || { say "max_locks_per_transaction: $locks -> $MIN_LOCKS"; q "alter system set max_locks_per_transaction = $MIN_LOCKS"; }

# Tuning for pgbank's write load (the benchmarks' baselines run under the same settings):
# fewer checkpoints and full-page writes, compressed WAL, a buffer cache that holds the 3M-row
# history. Only raised, never lowered below what an administrator chose.
mem_mb=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 ))
want_buffers_mb=$(( mem_mb / 4 < 4096 ? mem_mb / 4 : 4096 ))
[ "$(q "select setting::bigint * 8 / 1024 from pg_settings where name = 'shared_buffers'")" -ge 1024 ] \
  || { say "shared_buffers -> ${want_buffers_mb}MB"; q "alter system set shared_buffers = '${want_buffers_mb}MB'"; }
[ "$(q "select setting::int from pg_settings where name = 'max_wal_size'")" -ge 4096 ] \
  || { say "max_wal_size -> 8GB"; q "alter system set max_wal_size = '8GB'"; }
[ "$(q "show wal_compression")" != off ] || { say "wal_compression -> lz4"; q "alter system set wal_compression = 'lz4'"; }

# Change events (npm run events, docs/events.md) decode the WAL through a logical replication
# slot: wal_level logical, and room for the slots and their senders (raised only, never lowered).
[ "$(q "show wal_level")" = logical ] || { say "wal_level -> logical"; q "alter system set wal_level = 'logical'"; }
[ "$(q "show max_replication_slots")" -ge 10 ] || { say "max_replication_slots -> 10"; q "alter system set max_replication_slots = 10"; }
[ "$(q "show max_wal_senders")" -ge 10 ] || { say "max_wal_senders -> 10"; q "alter system set max_wal_senders = 10"; }

restart_postgres() {
  q "select pg_reload_conf()" >/dev/null
  cluster=$(q "show cluster_name" | cut -d/ -f2); cluster=${cluster:-main}
  say "restarting PostgreSQL $PG_MAJOR/$cluster ($1)"
  as_root pg_ctlcluster --skip-systemctl-redirect $PG_MAJOR "$cluster" restart \
    || as_root pg_ctlcluster $PG_MAJOR "$cluster" restart \
    || fail "could not restart PostgreSQL. Run as root: pg_ctlcluster $PG_MAJOR $cluster restart"
  wait_ready 60 || fail "PostgreSQL did not come back after the restart"
}

# ALTER SYSTEM only records a setting; compare what runs with what is asked.
q "select pg_reload_conf()" >/dev/null
if ! grep -qw pg_cron <<<"$(q 'show shared_preload_libraries')" \
   || [ "$(q 'show max_locks_per_transaction')" -lt $MIN_LOCKS ] \
   || [ "$(q "select count(*) from pg_settings where pending_restart")" != 0 ]; then
  restart_postgres "to load pg_cron, the lock table size, the buffer cache and logical decoding"
fi
# cron.database_name is only known once pg_cron is loaded, and only read at start.
if [ "$(q "select current_setting('cron.database_name')")" != "$CRON_DB" ]; then
  say "cron.database_name = $CRON_DB"
  q "alter system set cron.database_name = '$CRON_DB'"
  restart_postgres "to move the pg_cron scheduler to $CRON_DB"
fi
grep -qw pg_cron <<<"$(q 'show shared_preload_libraries')" || fail "pg_cron is still not preloaded"

# The scheduler's own database holds the pg_cron extension.
q "select 1 from pg_database where datname = '$CRON_DB'" | grep -q 1 || q "create database \"$CRON_DB\""
psql -X -q -At -d "$CRON_DB" -v ON_ERROR_STOP=1 -c "create extension if not exists pg_cron" 2>&1 | grep -v '^NOTICE' || true
say "PostgreSQL ready: pg_partman $(q "select default_version from pg_available_extensions where name = 'pg_partman'"), pg_cron $(psql -X -At -d "$CRON_DB" -c "select extversion from pg_extension where extname = 'pg_cron'")"

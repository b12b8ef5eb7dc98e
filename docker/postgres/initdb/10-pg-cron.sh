#!/bin/sh
# First start only: create the pg_cron extension in the scheduler's database (cron.database_name).
set -e
# PGHOST= : the entrypoint's temporary server listens on the Unix socket only.
run() { PGHOST= PGHOSTADDR= psql -v ON_ERROR_STOP=1 --no-psqlrc --no-password -q --username "$POSTGRES_USER" "$@"; }
cron_db=$(run --dbname postgres -At -c 'show cron.database_name')
run --dbname "$cron_db" -c 'set client_min_messages = warning' -c 'create extension if not exists pg_cron'
echo "pg_cron ready in database $cron_db"

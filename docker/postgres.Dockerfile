# PostgreSQL 15 for pgbank: pg_partman 4, pg_cron and plpgsql_check, configured by docker/postgres/pgbank.conf.
FROM postgres:15-bookworm

# From Debian bookworm (/bookworm), not the image's PGDG repository: migrations use the
# pg_partman 4 API (p_type 'native', p_interval 'daily') that pg_partman 5 removed, and these are
# the versions scripts/system.sh installs without Docker.
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
      "postgresql-$PG_MAJOR-partman/bookworm" \
      "postgresql-$PG_MAJOR-cron/bookworm" \
      "postgresql-$PG_MAJOR-plpgsql-check/bookworm"; \
    rm -rf /var/lib/apt/lists/*; \
    grep -q "^default_version = '4\." "/usr/share/postgresql/$PG_MAJOR/extension/pg_partman.control"

# initdb copies this sample into $PGDATA/postgresql.conf, so a new cluster includes the settings
# file from the image, and the entrypoint's temporary server (which runs the init scripts) already
# preloads pg_cron. Settings then follow the image on every rebuild.
COPY docker/postgres/pgbank.conf /etc/postgresql/pgbank.conf
RUN echo "include '/etc/postgresql/pgbank.conf'" >> /usr/share/postgresql/postgresql.conf.sample

COPY docker/postgres/initdb/ /docker-entrypoint-initdb.d/
# Executable, so the entrypoint runs them rather than sourcing them into its own shell.
RUN chmod 755 /docker-entrypoint-initdb.d/*.sh

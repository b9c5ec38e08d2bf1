#!/bin/sh
# Run once by the postgres image when it creates the primary's database
# (/docker-entrypoint-initdb.d): a role for streaming replication, allowed from the
# compose network. The read replica (--profile replica) connects with it (standby.sh).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v password="${REPLICATION_PASSWORD:-replicator}" <<'SQL'
create role replicator with replication login password :'password';
SQL
echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"

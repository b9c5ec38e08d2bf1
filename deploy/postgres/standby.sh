#!/bin/sh
# The read replica (docker compose --profile replica; docs/scale-out.md): on first start,
# copy the primary with pg_basebackup -R (streaming, its own replication slot), then run
# PostgreSQL as a hot standby. datastream detects the standby by itself (pg_is_in_recovery):
# reads work, writes answer DS036, ds.data(build => true) builds through the primary.
set -eu
: "${PRIMARY_HOST:=postgres}" "${PRIMARY_PORT:=5432}" "${REPLICATION_USER:=replicator}" "${SLOT:=replica1}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  mkdir -p "$PGDATA" && chmod 700 "$PGDATA"
  until pg_isready -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -q; do sleep 1; done
  PGPASSWORD="${REPLICATION_PASSWORD:-replicator}" pg_basebackup -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" \
    -U "$REPLICATION_USER" -D "$PGDATA" -R -X stream -C -S "$SLOT" --checkpoint=fast
fi
# hot_standby_feedback: ds.data(build => true) on the standby needs it (README "Read replicas")
exec postgres -D "$PGDATA" -c hot_standby=on -c hot_standby_feedback=on "$@"

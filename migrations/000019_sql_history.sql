-- Every sql/ the database has been given, so that an older checkout cannot re-apply its
-- older sql/ over a newer database (db/migrate.ts refuses it, DS044).
create table ds_private.sql_history (
  hash text primary key,
  applied_at timestamptz not null default now()
);
comment on table ds_private.sql_history is 'The hash of every sql/ directory applied to this database, with when it was last applied; the newest is the one in effect.';
insert into ds_private.sql_history (hash)
select value from ds_private.settings where name = 'sql_hash';

-- The per-dataset lock that planners, writers and completing chunks take (in id order).

create or replace function ds_private.lock_dataset(version_id integer) returns void
language plpgsql volatile as $$
begin
  -- a dry run (rolled back, never committed: see dry_run.sql) must not block real builds
  if pg_catalog.current_setting('ds.dry_run', true) is distinct from 'on' then
    perform pg_advisory_xact_lock(7412002, version_id);
  end if;
end;
$$;
comment on function ds_private.lock_dataset(integer) is 'Serialises planning, completion and deletion of one dataset version until the end of the transaction; takes nothing in a dry run (ds.dry_run on), whose transaction can never commit.';

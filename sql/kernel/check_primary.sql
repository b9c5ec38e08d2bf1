-- The error of a write reaching a read-only standby.

create or replace function ds_private.check_primary(action text) returns void
language plpgsql stable as $$
begin
  if pg_catalog.pg_is_in_recovery() then
    raise exception '% needs the primary: this server is a read-only standby', action using errcode = 'DS036',
      detail = 'pg_is_in_recovery() is true: the server replays the primary''s WAL and accepts reads only.',
      hint = 'Connect to the primary to build, write, import, delete, cancel, refresh or register; reads (ds.data, ds.missing, the ds_data tables) work here.';
  end if;
end;
$$;
comment on function ds_private.check_primary(text) is 'Raises DS036 naming action when the server is a hot standby (pg_is_in_recovery()); called first by every write function.';

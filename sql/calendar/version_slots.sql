-- A dataset version's calendar slots inside a time range, from its start date.

-- PL/pgSQL rather than SQL: a SQL function that cannot be inlined (this one reads a table)
-- is parsed and planned again by every statement that calls it before PostgreSQL 18;
-- PL/pgSQL keeps its plan for the session
create or replace function ds_private.version_slots(version_id integer, within tstzmultirange) returns tstzmultirange
language plpgsql stable as $$
begin
  return (select coalesce(range_agg(s), '{}')
          from ds_private.dataset_versions v,
               unnest(within * tstzmultirange(tstzrange(v.start_at, null))) r,
               unnest(ds_private.calendar_slots(v.calendar, v.step, r)) s
          where v.id = version_slots.version_id);
end;
$$;
comment on function ds_private.version_slots(integer, tstzmultirange) is 'The calendar slots [p, p + step) of a dataset version inside within, from its start date on.';

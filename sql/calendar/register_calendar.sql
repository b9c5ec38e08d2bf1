-- Registering a calendar: store its definition and expand its rules into sessions.

create or replace function ds.register_calendar(name text, definition jsonb) returns void
language plpgsql volatile
-- JIT compiling the expansion queries costs far more than running them
set jit = off as $$
declare
  v_first integer := coalesce((definition->>'first-year')::integer, 1970);
  v_last integer := coalesce((definition->>'last-year')::integer, 2100);
  v_fingerprint text := ds_private.calendar_expansion_fingerprint();
  v_span tstzrange;
  v_old ds_private.calendars;
begin
  perform ds_private.check_primary('ds.register_calendar');
  perform ds_private.check_calendar_definition(register_calendar.name, definition);
  -- concurrent registrations of one calendar take turns
  perform pg_advisory_xact_lock(hashtext('ds.register_calendar'), hashtext(register_calendar.name));
  v_span := tstzrange(make_date(v_first, 1, 1)::timestamp at time zone 'UTC',
                      make_date(v_last + 1, 1, 1)::timestamp at time zone 'UTC');
  select * into v_old from ds_private.calendars c where c.name = register_calendar.name;
  if v_old.name is not null and (v_old.description, v_old.definition, v_old.kind, v_old.span)
     is not distinct from (definition->>'description', definition, definition->>'kind', v_span) then
    if v_old.expanded_with is not distinct from v_fingerprint then
      return; -- unchanged: write nothing
    end if;
  else
    insert into ds_private.calendars as c (name, description, definition, kind, span)
    values (register_calendar.name, definition->>'description', definition, definition->>'kind', v_span)
    on conflict on constraint calendars_pkey do update
      set description = excluded.description, definition = excluded.definition,
          kind = excluded.kind, span = excluded.span, registered_at = now();
  end if;
  delete from ds_private.calendar_sessions s where s.calendar = register_calendar.name;
  insert into ds_private.calendar_sessions
  select * from ds_private.expand_calendar(register_calendar.name, definition);
  perform ds_private.refresh_calendar_runs(register_calendar.name);
  update ds_private.calendars c set expanded_with = v_fingerprint where c.name = register_calendar.name;
end;
$$;
comment on function ds.register_calendar(text, jsonb) is '@behavior -*
Registers or updates a trading calendar from its definition (a parsed calendar file) and expands its rules into sessions from first-year to last-year (1970 to 2100 by default). Idempotent: an unchanged definition writes nothing (unless the expansion SQL changed: then its sessions are expanded again). Raises DS047 for an invalid definition.';

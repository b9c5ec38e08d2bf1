-- Whether a calendar is open at an instant, and when it next is.

create or replace function ds.is_open(calendar text, ts timestamptz) returns boolean
language plpgsql stable strict parallel safe as $$
declare
  v_calendar ds_private.calendars := ds_private.find_calendar(calendar);
begin
  -- runs are disjoint and sorted: only the first one ending after ts can hold it
  return coalesce((
    select r.lower_at <= ts
    from ds_private.calendar_runs r
    where r.calendar = v_calendar.name and r.grain = 'session' and r.upper_at > ts
    order by r.upper_at
    limit 1), false);
end;
$$;
comment on function ds.is_open(text, timestamptz) is 'Whether the calendar is open at ts: for a daily calendar, whether the UTC date of ts is a session date; for an intraday one, whether ts is inside a session [open, close); for always-open, true (within the calendar''s years, 1970 to 2100 by default). Raises DS004 for an unknown calendar.';

create or replace function ds.next_open(calendar text, ts timestamptz) returns timestamptz
language plpgsql stable strict parallel safe as $$
declare
  v_calendar ds_private.calendars := ds_private.find_calendar(calendar);
begin
  return (
    select greatest(r.lower_at, ts)
    from ds_private.calendar_runs r
    where r.calendar = v_calendar.name and r.grain = 'session' and r.upper_at > ts
    order by r.upper_at
    limit 1);
end;
$$;
comment on function ds.next_open(text, timestamptz) is 'The first instant at or after ts at which the calendar is open: ts itself when it is open, otherwise the next session''s open (midnight UTC of the next session date for a daily calendar, for example the next trading day''s 09:30 New York time for nyse); null when no session follows within the calendar''s years. Raises DS004 for an unknown calendar.';

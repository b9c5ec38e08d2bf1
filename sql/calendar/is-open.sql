-- Whether a calendar is open at an instant, and when it next is.

create or replace function ds.is_open(calendar text, ts timestamptz) returns boolean
language plpgsql stable strict parallel safe as $$
declare
  v_calendar ds_private.calendars := ds_private.find_calendar(calendar);
begin
  if v_calendar.kind = 'always-open' then
    return v_calendar.span @> ts;
  end if;
  return exists (
    select from ds_private.calendar_sessions s
    where s.calendar = v_calendar.name
      and s.day between (ts at time zone 'UTC')::date - 1 and (ts at time zone 'UTC')::date + 1
      and s.open_at <= ts and ts < s.close_at);
end;
$$;
comment on function ds.is_open(text, timestamptz) is 'Whether the calendar is open at ts: for a daily calendar, whether the UTC date of ts is a session date; for an intraday one, whether ts is inside a session [open, close); for always-open, true (within the calendar''s years, 1970 to 2100 by default). Raises DS004 for an unknown calendar.';

create or replace function ds.next_open(calendar text, ts timestamptz) returns timestamptz
language plpgsql stable strict parallel safe as $$
declare
  v_calendar ds_private.calendars := ds_private.find_calendar(calendar);
begin
  if v_calendar.kind = 'always-open' then
    return case when ts < upper(v_calendar.span) then greatest(ts, lower(v_calendar.span)) end;
  end if;
  -- sessions are ordered by day and their closes rise with it: the first one closing after ts
  return (
    select greatest(s.open_at, ts)
    from ds_private.calendar_sessions s
    where s.calendar = v_calendar.name
      and s.day >= (greatest(ts, lower(v_calendar.span)) at time zone 'UTC')::date - 1
      and s.close_at > ts
    order by s.day
    limit 1);
end;
$$;
comment on function ds.next_open(text, timestamptz) is 'The first instant at or after ts at which the calendar is open: ts itself when it is open, otherwise the next session''s open (midnight UTC of the next session date for a daily calendar, for example the next trading day''s 09:30 New York time for nyse); null when no session follows within the calendar''s years. Raises DS004 for an unknown calendar.';

-- The catalog of calendars.

create or replace view ds.calendars as
select c.name, c.kind, c.description,
       c.definition -> 'session' ->> 'time-zone' as timezone,
       lower(c.span) as span_start, upper(c.span) as span_end,
       (select count(*) from ds_private.calendar_sessions s where s.calendar = c.name)::integer as sessions,
       c.registered_at
from ds_private.calendars c;
comment on view ds.calendars is 'Trading calendars loaded from calendars/: kind (daily, intraday, always-open), time zone and the span of instants they are defined for.';
comment on column ds.calendars.kind is 'daily: a session is a whole UTC day; intraday: sessions with open and close times in the calendar''s time zone; always-open: every instant.';
comment on column ds.calendars.timezone is 'Time zone of intraday sessions (null for daily calendars).';
comment on column ds.calendars.span_start is 'First instant the calendar is defined for (1970 by default).';
comment on column ds.calendars.span_end is 'End of the span, exclusive (2101 by default).';
comment on column ds.calendars.sessions is 'Number of sessions in the span (0 for always-open).';
comment on column ds.calendars.name is 'Calendar name, as used in config.toml (calendar = "...").';
comment on column ds.calendars.description is 'What the calendar is, from its file in calendars/.';
comment on column ds.calendars.registered_at is 'When the calendar was first loaded.';

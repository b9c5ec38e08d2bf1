-- Trading calendars: what kind each calendar is, the years it covers, and its sessions
-- expanded from its rules by ds.register_calendar (sql/calendar/).
alter table ds_private.calendars
  add column kind text not null default 'daily',
  add column span tstzrange not null default tstzrange('1970-01-01 00:00:00+00', '2101-01-01 00:00:00+00'),
  add column expanded_with text,
  add constraint calendars_kind_check check (kind in ('daily', 'intraday', 'always-open')),
  add constraint calendars_span_check check (not isempty(span) and not lower_inf(span) and not upper_inf(span));

comment on column ds_private.calendars.kind is 'daily: a session is a whole UTC day; intraday: sessions have open and close times in a time zone; always-open: open at every instant of the span.';
comment on column ds_private.calendars.span is 'The instants the calendar is defined for, [first-year-01-01, last-year+1-01-01) UTC; no calendar has points outside its span.';
comment on column ds_private.calendars.expanded_with is 'Fingerprint of the SQL that expanded the sessions (ds_private.calendar_expansion_fingerprint()): a changed expansion re-expands unchanged definitions.';
comment on column ds_private.calendars.definition is 'The parsed calendar file, holiday files included; ds.register_calendar expands it into calendar_sessions.';

create table ds_private.calendar_sessions (
  calendar text not null references ds_private.calendars (name) on update cascade on delete cascade,
  day date not null,
  open_at timestamptz not null,
  close_at timestamptz not null,
  note text,
  constraint calendar_sessions_pkey primary key (calendar, day) include (open_at, close_at),
  constraint calendar_sessions_check check (open_at < close_at)
);
comment on table ds_private.calendar_sessions is 'One row per session of a daily or intraday calendar, expanded from its rules over its span; always-open calendars have none.';
comment on column ds_private.calendar_sessions.day is 'The session date (the exchange''s local date; for daily calendars the UTC date).';
comment on column ds_private.calendar_sessions.open_at is 'When the session opens (midnight UTC of day for daily calendars).';
comment on column ds_private.calendar_sessions.close_at is 'When the session closes, exclusive (the next midnight UTC for daily calendars).';
comment on column ds_private.calendar_sessions.note is 'Why the session is not a regular one (the name of its early-close rule); null otherwise.';

create table ds_private.calendar_runs (
  calendar text not null references ds_private.calendars (name) on update cascade on delete cascade,
  grain text not null,
  lower_at timestamptz not null,
  upper_at timestamptz not null,
  constraint calendar_runs_pkey primary key (calendar, grain, upper_at) include (lower_at),
  constraint calendar_runs_grain_check check (grain in ('session', 'day')),
  constraint calendar_runs_check check (lower_at < upper_at)
);
comment on table ds_private.calendar_runs is 'Maximal runs of open time of each calendar, [lower_at, upper_at), derived from calendar_sessions: grain session merges touching sessions (used below one day), grain day merges the whole UTC days of consecutive session dates (used from one day up). A weekday calendar has one run per week, always-open one run. calendar_slots reads them, so its cost follows the number of runs.';
comment on column ds_private.calendar_runs.grain is 'session: runs of sessions [open, close); day: runs of whole UTC days of session dates.';

-- Validation of calendar definitions: the one place that decides what a calendar file may
-- say (datasets/sync-calendars.ts only parses TOML and merges a holidays file in; it names
-- the file of each field these functions report). Errors are DS047 with the field's path,
-- e.g. closed[0].day or weekdays[1].

create or replace function ds_private.raise_invalid_calendar(calendar text, field text, problem text) returns void
language plpgsql immutable parallel safe as $$
begin
  raise exception 'invalid definition of calendar "%": %: %', calendar, field, problem
    using errcode = 'DS047', detail = format('Field %s of calendar %s: %s.', field, calendar, problem),
          hint = 'See the calendar files in calendars/ for the supported fields, and calendars/holidays/nyse.toml for the rule forms.';
end;
$$;
comment on function ds_private.raise_invalid_calendar(text, text, text) is 'Raises DS047 (invalid calendar definition) naming the calendar and the field.';

create or replace function ds_private.check_calendar_keys(calendar text, prefix text, object jsonb, allowed text[]) returns void
language plpgsql immutable parallel safe as $$
declare
  v_key text := (select k from jsonb_object_keys(object) k where k <> all (allowed) order by k limit 1);
begin
  if v_key is not null then
    perform ds_private.raise_invalid_calendar(calendar, prefix || v_key, 'unknown field (expected one of ' || array_to_string(allowed, ', ') || ')');
  end if;
end;
$$;
comment on function ds_private.check_calendar_keys(text, text, jsonb, text[]) is 'Raises DS047 naming the first field of object (a JSON object) that is not among allowed.';

create or replace function ds_private.check_calendar_int(calendar text, field text, value jsonb, lo integer, hi integer) returns void
language plpgsql immutable parallel safe as $$
begin
  if value is not null and (jsonb_typeof(value) <> 'number' or value::numeric <> trunc(value::numeric) or value::numeric not between lo and hi) then
    perform ds_private.raise_invalid_calendar(calendar, field, format('expected an integer from %s to %s, found %s', lo, hi, value));
  end if;
end;
$$;
comment on function ds_private.check_calendar_int(text, text, jsonb, integer, integer) is 'Raises DS047 unless value is absent (SQL null) or an integer from lo to hi.';

create or replace function ds_private.is_iso_date(text text) returns boolean
language plpgsql immutable strict parallel safe as $$
begin
  return text ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'
     and make_date(left(text, 4)::integer, substr(text, 6, 2)::integer, right(text, 2)::integer) is not null;
exception when datetime_field_overflow then
  return false;
end;
$$;
comment on function ds_private.is_iso_date(text) is 'True when text is a date YYYY-MM-DD that exists (2024-02-30 does not).';

create or replace function ds_private.check_calendar_list(calendar text, field text, value jsonb, element text) returns void
language plpgsql stable parallel safe as $$
declare
  v_bad bigint;
begin
  if value is null then
    return;
  end if;
  if jsonb_typeof(value) <> 'array' or jsonb_array_length(value) = 0 then
    perform ds_private.raise_invalid_calendar(calendar, field, format('expected a non-empty list of %s', element));
  end if;
  select min(i - 1) into v_bad from jsonb_array_elements(value) with ordinality e(v, i)
  where case element
          when 'weekdays' then jsonb_typeof(v) <> 'string' or ds_private.weekday_number(v #>> '{}') is null
          when 'years' then jsonb_typeof(v) <> 'number' or v::numeric <> trunc(v::numeric) or v::numeric not between 1900 and 2200
          else jsonb_typeof(v) <> 'string' or not ds_private.is_iso_date(v #>> '{}')
        end;
  if v_bad is not null then
    perform ds_private.raise_invalid_calendar(calendar, format('%s[%s]', field, v_bad), format('expected %s, found %s',
      case element when 'weekdays' then 'mon .. sun' when 'years' then 'a year from 1900 to 2200' else 'a date such as 2001-09-11' end, value->v_bad::integer));
  end if;
end;
$$;
comment on function ds_private.check_calendar_list(text, text, jsonb, text) is 'Raises DS047 naming the first bad element (field[i]) unless value is absent or a non-empty list of weekdays (mon .. sun), years (1900 .. 2200) or dates (YYYY-MM-DD), as element says.';

create or replace function ds_private.check_calendar_rule(calendar text, field text, rule jsonb) returns void
language plpgsql stable parallel safe as $$
declare
  v_forms integer;
begin
  if jsonb_typeof(rule) is distinct from 'object' or jsonb_typeof(rule->'name') is distinct from 'string' or rule->>'name' = '' then
    perform ds_private.raise_invalid_calendar(calendar, field || '.name', 'a rule is a table with a name');
  end if;
  perform ds_private.check_calendar_keys(calendar, field || '.', rule, array['name', 'month', 'day', 'weekday', 'nth', 'easter-offset', 'dates',
    'offset', 'only-on', 'observance', 'from', 'until', 'years']);
  perform ds_private.check_calendar_int(calendar, field || '.month', rule->'month', 1, 12);
  perform ds_private.check_calendar_int(calendar, field || '.day', rule->'day', 1, 31);
  perform ds_private.check_calendar_int(calendar, field || '.easter-offset', rule->'easter-offset', -366, 366);
  perform ds_private.check_calendar_int(calendar, field || '.offset', rule->'offset', -366, 366);
  perform ds_private.check_calendar_int(calendar, field || '.from', rule->'from', 1900, 2200);
  perform ds_private.check_calendar_int(calendar, field || '.until', rule->'until', 1900, 2200);
  perform ds_private.check_calendar_list(calendar, field || '.years', rule->'years', 'years');
  perform ds_private.check_calendar_list(calendar, field || '.dates', rule->'dates', 'dates');
  perform ds_private.check_calendar_list(calendar, field || '.only-on', rule->'only-on', 'weekdays');
  if rule ? 'weekday' and ds_private.weekday_number(rule->>'weekday') is null then
    perform ds_private.raise_invalid_calendar(calendar, field || '.weekday', 'expected mon .. sun');
  elsif rule ? 'nth' and (jsonb_typeof(rule->'nth') <> 'number' or (rule->>'nth') not in ('-1', '1', '2', '3', '4', '5')) then
    perform ds_private.raise_invalid_calendar(calendar, field || '.nth', 'expected 1 to 5, or -1 for the last');
  elsif coalesce(rule->>'observance', 'none') not in ('none', 'nearest-weekday', 'sunday-to-monday') then
    perform ds_private.raise_invalid_calendar(calendar, field || '.observance', 'expected none, nearest-weekday or sunday-to-monday');
  end if;
  v_forms := (rule ? 'dates')::integer + (rule ? 'easter-offset')::integer + (rule ? 'month')::integer;
  if v_forms <> 1 then
    perform ds_private.raise_invalid_calendar(calendar, field, 'expected exactly one of month, easter-offset or dates');
  elsif rule ? 'month' and not (rule ? 'day' or rule ? 'weekday') then
    perform ds_private.raise_invalid_calendar(calendar, field || '.day', 'a month rule needs day, or weekday and nth');
  elsif (rule ? 'weekday') <> (rule ? 'nth') then
    perform ds_private.raise_invalid_calendar(calendar, field || '.nth', 'weekday and nth go together');
  elsif rule->>'nth' = '-1' and rule ? 'day' then
    perform ds_private.raise_invalid_calendar(calendar, field || '.day', 'the last weekday of a month (nth = -1) takes no day');
  end if;
end;
$$;
comment on function ds_private.check_calendar_rule(text, text, jsonb) is 'Raises DS047 naming the field (e.g. closed[0].day) unless the rule is a well-formed holiday or early-close rule.';

create or replace function ds_private.check_calendar_session(calendar text, session jsonb) returns void
language plpgsql stable parallel safe as $$
declare
  v_time constant text := '^([01][0-9]|2[0-3]):[0-5][0-9]$';
  v_field text;
begin
  if jsonb_typeof(session) <> 'object' then
    perform ds_private.raise_invalid_calendar(calendar, 'session', 'expected a [session] table');
  end if;
  perform ds_private.check_calendar_keys(calendar, 'session.', session, array['time-zone', 'open', 'close', 'early-close']);
  foreach v_field in array array['open', 'close', 'early-close'] loop
    if (session ? v_field or v_field <> 'early-close') and (jsonb_typeof(session->v_field) is distinct from 'string' or session->>v_field !~ v_time) then
      perform ds_private.raise_invalid_calendar(calendar, 'session.' || v_field, 'expected a time HH:MM from 00:00 to 23:59');
    end if;
  end loop;
  if (session->>'open')::time >= least((session->>'close')::time, coalesce(session->>'early-close', session->>'close')::time) then
    perform ds_private.raise_invalid_calendar(calendar, 'session.open', 'open must come before close and early-close');
  end if;
  if jsonb_typeof(session->'time-zone') is distinct from 'string' then
    perform ds_private.raise_invalid_calendar(calendar, 'session.time-zone', 'expected a time zone such as America/New_York');
  end if;
  begin
    perform now() at time zone (session->>'time-zone');
  exception when invalid_parameter_value then
    perform ds_private.raise_invalid_calendar(calendar, 'session.time-zone', format('unknown time zone "%s"', session->>'time-zone'));
  end;
end;
$$;
comment on function ds_private.check_calendar_session(text, jsonb) is 'Raises DS047 naming the field unless session is a well-formed [session] table (time-zone, open, close, early-close).';

create or replace function ds_private.check_calendar_definition(calendar text, definition jsonb) returns void
language plpgsql stable parallel safe as $$
declare
  v_kind text := definition->>'kind';
  v_list text;
  v_rule record;
begin
  if calendar is null or calendar !~ '^[a-z][a-z0-9-]{0,62}$' then
    perform ds_private.raise_invalid_calendar(coalesce(calendar, 'null'), 'name', 'the name (of the file) is lowercase letters, digits and -, starting with a letter, at most 63 characters');
  elsif jsonb_typeof(definition) is distinct from 'object' then
    perform ds_private.raise_invalid_calendar(calendar, 'definition', 'a JSON object');
  end if;
  perform ds_private.check_calendar_keys(calendar, '', definition, array['description', 'kind', 'weekdays', 'first-year', 'last-year', 'holidays',
    'session', 'closed', 'early-close', 'closes-with']);
  if jsonb_typeof(definition->'description') is distinct from 'string' or definition->>'description' = '' then
    perform ds_private.raise_invalid_calendar(calendar, 'description', 'expected a description');
  elsif v_kind is null or v_kind not in ('daily', 'intraday', 'always-open') then
    perform ds_private.raise_invalid_calendar(calendar, 'kind', 'expected daily, intraday or always-open');
  elsif definition ? 'holidays' and jsonb_typeof(definition->'holidays') <> 'string' then
    perform ds_private.raise_invalid_calendar(calendar, 'holidays', 'expected the path of a holidays file');
  end if;
  perform ds_private.check_calendar_list(calendar, 'weekdays', definition->'weekdays', 'weekdays');
  perform ds_private.check_calendar_int(calendar, 'first-year', definition->'first-year', 1900, 2200);
  perform ds_private.check_calendar_int(calendar, 'last-year', definition->'last-year', 1900, 2200);
  if coalesce((definition->>'first-year')::integer, 1970) > coalesce((definition->>'last-year')::integer, 2100) then
    perform ds_private.raise_invalid_calendar(calendar, 'last-year', 'last-year comes before first-year');
  end if;
  if definition ? 'closes-with' and (v_kind <> 'daily' or coalesce(definition->>'closes-with', '') !~ '^[a-z][a-z0-9-]{0,62}$') then
    perform ds_private.raise_invalid_calendar(calendar, 'closes-with', 'the name of an intraday calendar, on a daily calendar only');
  elsif (v_kind = 'intraday') <> (definition ? 'session') then
    perform ds_private.raise_invalid_calendar(calendar, 'session', 'an intraday calendar has a [session] table, other kinds have none');
  end if;
  if definition ? 'session' then
    perform ds_private.check_calendar_session(calendar, definition->'session');
  end if;
  foreach v_list in array array['closed', 'early-close'] loop
    if definition ? v_list and jsonb_typeof(definition->v_list) <> 'array' then
      perform ds_private.raise_invalid_calendar(calendar, v_list, 'expected a list of rules ([[' || v_list || ']])');
    end if;
    for v_rule in select r, i - 1 as i from jsonb_array_elements(coalesce(definition->v_list, '[]')) with ordinality e(r, i) loop
      perform ds_private.check_calendar_rule(calendar, format('%s[%s]', v_list, v_rule.i), v_rule.r);
    end loop;
  end loop;
end;
$$;
comment on function ds_private.check_calendar_definition(text, jsonb) is 'Raises DS047 (invalid calendar definition, naming the field, e.g. closed[0].day) unless definition is a well-formed calendar definition for the name: the one check of calendar files.';

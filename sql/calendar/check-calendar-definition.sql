-- Validation of calendar definitions at the SQL boundary (the TypeScript loader checks the
-- files first, with zod; this keeps ds.register_calendar safe to call from anywhere).

create or replace function ds_private.raise_invalid_calendar(calendar text, field text, problem text) returns void
language plpgsql immutable parallel safe as $$
begin
  raise exception 'invalid definition of calendar "%": %: %', calendar, field, problem
    using errcode = 'DS047', detail = format('Field %s of calendar %s: %s.', field, calendar, problem),
          hint = 'See the calendar files in calendars/ for the supported fields.';
end;
$$;
comment on function ds_private.raise_invalid_calendar(text, text, text) is 'Raises DS047 (invalid calendar definition) naming the calendar and the field.';

create or replace function ds_private.check_calendar_rule(calendar text, field text, rule jsonb) returns void
language plpgsql immutable parallel safe as $$
declare
  v_forms integer := (rule ? 'dates')::integer + (rule ? 'easter-offset')::integer + (rule ? 'month')::integer;
begin
  if jsonb_typeof(rule) is distinct from 'object' or jsonb_typeof(rule->'name') is distinct from 'string' then
    perform ds_private.raise_invalid_calendar(calendar, field, 'a rule is an object with a name');
  elsif v_forms <> 1 then
    perform ds_private.raise_invalid_calendar(calendar, field || ' ' || (rule->>'name'), 'a rule has exactly one of dates, easter-offset or month');
  elsif rule ? 'month' and not (rule ? 'day' or rule ? 'weekday') then
    perform ds_private.raise_invalid_calendar(calendar, field || ' ' || (rule->>'name'), 'a month rule needs day or weekday and nth');
  elsif rule ? 'weekday' and (ds_private.weekday_number(rule->>'weekday') is null
        or coalesce((rule->>'nth')::integer, 0) not in (-1, 1, 2, 3, 4, 5)) then
    perform ds_private.raise_invalid_calendar(calendar, field || ' ' || (rule->>'name'), 'weekday is mon .. sun and nth is 1 .. 5 or -1 (the last)');
  elsif coalesce(rule->>'observance', 'none') not in ('none', 'nearest-weekday', 'sunday-to-monday') then
    perform ds_private.raise_invalid_calendar(calendar, field || ' ' || (rule->>'name'), 'observance is none, nearest-weekday or sunday-to-monday');
  elsif exists (select from jsonb_array_elements_text(coalesce(rule->'only-on', '[]')) w where ds_private.weekday_number(w) is null) then
    perform ds_private.raise_invalid_calendar(calendar, field || ' ' || (rule->>'name'), 'only-on lists weekdays mon .. sun');
  end if;
  -- the dates and numbers must parse
  perform ds_private.calendar_rule_dates(jsonb_build_array(rule), 2000, 2001);
exception
  when invalid_text_representation or datetime_field_overflow or invalid_datetime_format or numeric_value_out_of_range then
    perform ds_private.raise_invalid_calendar(calendar, field || ' ' || coalesce(rule->>'name', ''), sqlerrm);
end;
$$;
comment on function ds_private.check_calendar_rule(text, text, jsonb) is 'Raises DS047 unless the rule is a well-formed holiday or early-close rule.';

create or replace function ds_private.check_calendar_definition(calendar text, definition jsonb) returns void
language plpgsql stable parallel safe as $$
declare
  v_kind text := definition->>'kind';
  v_session jsonb := definition->'session';
  v_rule jsonb;
begin
  if calendar is null or calendar !~ '^[a-z][a-z0-9-]{0,62}$' then
    perform ds_private.raise_invalid_calendar(coalesce(calendar, 'null'), 'name', 'lowercase letters, digits and -, starting with a letter, at most 63 characters');
  elsif jsonb_typeof(definition) is distinct from 'object' then
    perform ds_private.raise_invalid_calendar(calendar, 'definition', 'a JSON object');
  elsif v_kind is null or v_kind not in ('daily', 'intraday', 'always-open') then
    perform ds_private.raise_invalid_calendar(calendar, 'kind', 'daily, intraday or always-open');
  elsif exists (select from jsonb_array_elements_text(coalesce(definition->'weekdays', '[]')) w where ds_private.weekday_number(w) is null) then
    perform ds_private.raise_invalid_calendar(calendar, 'weekdays', 'a list of mon .. sun');
  elsif not coalesce((definition->>'first-year')::integer, 1970) between 1900 and 2200
     or not coalesce((definition->>'last-year')::integer, 2100) between coalesce((definition->>'first-year')::integer, 1970) and 2200 then
    perform ds_private.raise_invalid_calendar(calendar, 'first-year/last-year', 'years from 1900 to 2200, first-year <= last-year');
  elsif definition ? 'closes-with' and (v_kind <> 'daily' or coalesce(definition->>'closes-with', '') !~ '^[a-z][a-z0-9-]{0,62}$') then
    perform ds_private.raise_invalid_calendar(calendar, 'closes-with', 'the name of an intraday calendar, on a daily calendar only');
  elsif (v_kind = 'intraday') <> (v_session is not null) then
    perform ds_private.raise_invalid_calendar(calendar, 'session', 'required for intraday calendars and only for them');
  elsif v_session is not null and not (
        jsonb_typeof(v_session->'time-zone') = 'string'
    and coalesce(v_session->>'open', '') ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'
    and coalesce(v_session->>'close', '') ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'
    and coalesce(v_session->>'early-close', '12:00') ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'
    and (v_session->>'open')::time < (v_session->>'close')::time
    and (v_session->>'open')::time < coalesce(v_session->>'early-close', v_session->>'close')::time) then
    perform ds_private.raise_invalid_calendar(calendar, 'session', 'time-zone, then open, close and early-close as HH:MM with open before close and early-close');
  elsif jsonb_typeof(coalesce(definition->'closed', '[]')) <> 'array'
     or jsonb_typeof(coalesce(definition->'early-close', '[]')) <> 'array' then
    perform ds_private.raise_invalid_calendar(calendar, 'closed/early-close', 'lists of rules');
  end if;
  if v_session is not null then
    begin
      perform now() at time zone (v_session->>'time-zone');
    exception when invalid_parameter_value then
      perform ds_private.raise_invalid_calendar(calendar, 'session.time-zone', format('unknown time zone "%s"', v_session->>'time-zone'));
    end;
  end if;
  for v_rule in select r from jsonb_array_elements(coalesce(definition->'closed', '[]')) r loop
    perform ds_private.check_calendar_rule(calendar, 'closed', v_rule);
  end loop;
  for v_rule in select r from jsonb_array_elements(coalesce(definition->'early-close', '[]')) r loop
    perform ds_private.check_calendar_rule(calendar, 'early-close', v_rule);
  end loop;
exception
  when invalid_text_representation or invalid_parameter_value or invalid_datetime_format or numeric_value_out_of_range then
    perform ds_private.raise_invalid_calendar(calendar, 'definition', sqlerrm);
end;
$$;
comment on function ds_private.check_calendar_definition(text, jsonb) is 'Raises DS047 (invalid calendar definition, naming the field) unless definition is a well-formed calendar definition for the name.';

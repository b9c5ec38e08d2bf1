-- Per-request limits: how many calendar points a request may plan or list, and how many
-- rows a read may return. Each is a setting that a session, role or database can change
-- (set ds.max_points = 5000000; alter role bi set ds.max_rows = 10000000); the HTTP server
-- sets its own per request. Over a limit: DS033, with the limit in the message.

create or replace function ds_private.limit_setting(name text, fallback bigint) returns bigint
language plpgsql stable as $$
declare
  v_text text := nullif(btrim(pg_catalog.current_setting('ds.' || name, true)), '');
  v_value bigint;
begin
  if v_text is null then
    return fallback;
  end if;
  if v_text !~ '^[0-9]{1,18}$' or v_text::bigint < 1 then
    raise exception 'ds.% must be a positive integer, not %', name, quote_literal(v_text) using errcode = '22023',
      detail = format('The setting ds.%s limits requests; its default is %s.', name, fallback),
      hint = format('set ds.%s = %s (or reset ds.%s for the default).', name, fallback, name);
  end if;
  v_value := v_text::bigint;
  return v_value;
end;
$$;
comment on function ds_private.limit_setting(text, bigint) is 'The value of the setting ds.<name> (a positive integer), or fallback when it is not set; 22023 when it is not a positive integer.';

create or replace function ds_private.max_points() returns bigint
language sql stable as $$
  select ds_private.limit_setting('max_points', 1000000)
$$;
comment on function ds_private.max_points() is 'How many calendar points one request may plan (dry runs, ds.data with build => true) or list (ds.calendar_points): the setting ds.max_points, default 1,000,000.';

create or replace function ds_private.max_rows() returns bigint
language sql stable as $$
  select ds_private.limit_setting('max_rows', 1000000)
$$;
comment on function ds_private.max_rows() is 'How many rows one call of ds.data may return: the setting ds.max_rows, default 1,000,000.';

create or replace function ds_private.check_points(what text, points bigint) returns void
language plpgsql stable as $$
declare
  v_limit bigint := ds_private.max_points();
begin
  if points > v_limit then
    raise exception '% has % points, over the limit of % points per request', what, points, v_limit
      using errcode = 'DS033', detail = format('limit: ds.max_points = %s; requested: %s points', v_limit, points),
            hint = 'Request a shorter range or a coarser granularity, in several requests if need be; or raise the limit (set ds.max_points = ...).';
  end if;
end;
$$;
comment on function ds_private.check_points(text, bigint) is 'Raises DS033 when a request of that many calendar points is over ds.max_points; what names the request in the message.';

create or replace function ds_private.raise_too_many_rows(what text) returns void
language plpgsql stable as $$
declare
  v_limit bigint := ds_private.max_rows();
begin
  raise exception '% has more than % rows, the limit per request', what, v_limit
    using errcode = 'DS033', detail = format('limit: ds.max_rows = %s', v_limit),
          hint = 'Read a shorter range, in several requests if need be; or raise the limit (set ds.max_rows = ...).';
end;
$$;
comment on function ds_private.raise_too_many_rows(text) is 'Raises DS033 for a read of more than ds.max_rows rows; what names the read in the message.';

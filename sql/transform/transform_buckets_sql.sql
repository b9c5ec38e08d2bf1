-- Shared by the built-in transforms (see docs/transforms.md): the SQL of a bucketed
-- aggregation of source (alias s) into the target's points: aggregates (the select list of
-- one group, per key), outputs (the target's fields from the group, alias g), an optional
-- having, for fill the output list over every complete bucket (alias g null when empty),
-- and optional joins after the groups (lateral lookups by g's columns).

-- Time buckets (resample, downsample). A bucket is labelled by its start T, a point of the
-- target's calendar. Below one day (or on an always-open source) it is [T, T + step),
-- aligned to the epoch in UTC. From one day up it is the sessions of the source's calendar
-- whose date is in [date of T, date of T + step): a daily bar of nyse is 09:30-16:00 New
-- York. A bucket is complete when every source slot it spans is a calendar point of the
-- source and is built (in the source's coverage); only complete buckets are kept.
create or replace function ds_private.transform_buckets_sql(target ds_private.dataset_versions, source ds_private.dataset_versions,
  aggregates text, outputs text, having_sql text, fill_sql text, joins text)
returns text
language plpgsql stable as $$
declare
  v_keys text := ds_private.transform_keys_sql(target.key, 's');
  v_step text := ds_private.transform_step_sql(target.step);
  v_source_step text := ds_private.transform_step_sql(source.step);
  v_daily boolean := target.step >= interval '1 day' and (select c.kind from ds_private.calendars c where c.name = source.calendar) <> 'always-open';
  v_coverage text := format('(select v.coverage from ds_private.dataset_versions v where v.id = %s)', source.id);
  v_buckets text;
  v_groups text;
begin
  if not v_daily then
    -- k: the target's points T in the chunk whose [T, T + step) is all source slots, built
    v_buckets := format(E'with c as materialized (select ds_private.calendar_slots(%1$L, %2$s, tstzrange($1, $2)) as points,\n'
                        '  ds_private.calendar_slots(%3$L, %4$s, tstzrange($1, $2)) * %5$s as complete),\n'
                        'k as materialized (select p.ts from c, unnest(c.points) r, generate_series(lower(r), upper(r) - %2$s, %2$s) p(ts)\n'
                        '  where tstzrange(p.ts, p.ts + %2$s) <@ c.complete)',
                        target.calendar, v_step, source.calendar, v_source_step, v_coverage);
    v_groups := format(E'select date_bin(%1$s, s.ts, timestamptz ''epoch'') as ts%2$s, %3$s\n  from ds_data.%4$I s\n'
                       '  where s.ts >= $1 and s.ts < $2\n  group by %5$sdate_bin(%1$s, s.ts, timestamptz ''epoch'')%6$s',
                       v_step, case when v_keys = '' then '' else ', ' || v_keys end, aggregates, source.table_name,
                       case when v_keys = '' then '' else v_keys || ', ' end, coalesce(E'\n  having ' || having_sql, ''));
  else
    -- b: the source's sessions of each bucket T (a point of the target's calendar);
    -- k: the buckets whose source slots (those inside their sessions) are all built
    v_buckets := format(E'with b as materialized (select date_bin(%1$s, ss.day::timestamp at time zone ''UTC'', timestamptz ''epoch'') as ts, ss.open_at, ss.close_at\n'
                        '  from ds_private.calendar_sessions ss where ss.calendar = %2$L\n'
                        '    and ss.day >= ($1 at time zone ''UTC'')::date and ss.day < ($2 at time zone ''UTC'')::date\n'
                        '    and date_bin(%1$s, ss.day::timestamp at time zone ''UTC'', timestamptz ''epoch'') <@ (select ds_private.calendar_slots(%3$L, %1$s, tstzrange($1, $2)))),\n'
                        'k as materialized (select x.ts from (select b.ts, range_agg(tstzrange(b.open_at, b.close_at))\n'
                        '      * ds_private.calendar_slots(%2$L, %4$s, tstzrange(min(b.open_at), max(b.close_at))) as span from b group by b.ts) x\n'
                        '  where not isempty(x.span) and x.span <@ %5$s)',
                        v_step, source.calendar, target.calendar, v_source_step, v_coverage);
    v_groups := format(E'select b.ts%1$s, %2$s\n  from b join k on k.ts = b.ts join ds_data.%3$I s on s.ts >= b.open_at and s.ts < b.close_at\n'
                       '  group by %4$sb.ts%5$s',
                       case when v_keys = '' then '' else ', ' || v_keys end, aggregates, source.table_name,
                       case when v_keys = '' then '' else v_keys || ', ' end, coalesce(E'\n  having ' || having_sql, ''));
  end if;
  if fill_sql is null then
    return format(E'%s\nselect g.ts%s, %s\nfrom (%s) g join k on k.ts = g.ts%s', v_buckets,
                  case when v_keys = '' then '' else ', ' || ds_private.transform_keys_sql(target.key, 'g') end, outputs, v_groups,
                  coalesce(E'\n' || joins, ''));
  end if;
  -- fill (datasets without key): every complete bucket, g null where it is empty
  return format(E'%s\nselect k.ts, %s\nfrom k left join (%s) g on g.ts = k.ts%s', v_buckets, fill_sql, v_groups, coalesce(E'\n' || joins, ''));
end;
$$;
comment on function ds_private.transform_buckets_sql(ds_private.dataset_versions, ds_private.dataset_versions, text, text, text, text, text) is 'The SQL of a bucketed aggregation of source (alias s) into the target''s points: aggregates (the select list of one group, per key), outputs (the target''s fields from the group, alias g), an optional having, for fill the output list over every complete bucket (alias g null when empty), and optional joins after the groups (lateral lookups by g''s columns). Only complete buckets: see the comment above the function.';

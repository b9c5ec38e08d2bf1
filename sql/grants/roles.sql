-- Privileges of ds_reader and ds_builder. Applied after every function and view (the
-- migrator runs sql/grants/ last), each time sql/ changes. Public functions run as their
-- owner (security definer, search_path pinned) so that the roles need no access to
-- ds_private; what each role may call is decided by EXECUTE grants.

revoke all on schema ds_private from public;
grant usage on schema ds, ds_data to ds_reader;
grant select on all tables in schema ds_data to ds_reader;
alter default privileges in schema ds_data grant select on tables to ds_reader;
-- the typed reads (ds_data.<table>_rows) are inlined SQL functions that read the store and the
-- packed partitions as the caller: the same rows the views show
grant usage on schema ds_store, ds_packed to ds_reader;
grant select on all tables in schema ds_store, ds_packed to ds_reader;
alter default privileges in schema ds_store grant select on tables to ds_reader;
alter default privileges in schema ds_packed grant select on tables to ds_reader;
grant select on ds.datasets, ds.builds, ds.calendars to ds_reader;

revoke execute on all functions in schema ds from public;

do $$
declare
  v_function regprocedure;
begin
  for v_function in
    select p.oid::regprocedure from pg_catalog.pg_proc p
    where p.pronamespace = 'ds'::regnamespace
      and p.proname in ('data', 'missing', 'is_open', 'next_open', 'calendar_points', 'find_datasets', 'build', 'wait', 'cancel', 'delete',
                        'sma', 'ema', 'rsi', 'macd', 'stoch', 'roc', 'mom', 'willr', 'bbands', 'atr', 'stddev',
                        'bars', 'asof', 'gaps', 'write', 'import_staged', 'refresh', 'stale', 'pack', 'unpack')
  loop
    execute format('alter function %s security definer set search_path = pg_catalog, pg_temp', v_function);
    execute format('grant execute on function %s to %I', v_function,
      case when v_function::text ~ '^ds\.(build|rebuild|wait|cancel|delete|write|import_staged|refresh|pack|unpack)\(' then 'ds_builder' else 'ds_reader' end);
  end loop;
end
$$;

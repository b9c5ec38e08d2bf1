-- Reading a dataset version as (ts, data jsonb), optionally building what is missing first.

create or replace function ds_private.build_and_wait(dataset text, version text, start_at timestamptz, end_at timestamptz, timeout interval)
returns void language plpgsql volatile as $$
declare
  v_build_id bigint;
  v_state text;
begin
  if pg_catalog.pg_is_in_recovery() then perform ds_private.build_on_primary(dataset, version, start_at, end_at, timeout); return; end if;
  -- ds.build through dblink commits at once, so the workers can see the tasks
  select b.id into v_build_id from ds_private.dblink(ds_private.self_connstr(),
    format('select ds.build(%L, %L, %L, %L)', dataset, version, start_at, end_at)) as b(id bigint);
  v_state := ds.wait(v_build_id, timeout);
  if v_state <> 'succeeded' then
    raise exception 'build % of % % %', v_build_id, dataset, version, v_state using errcode = 'DS021',
      detail = coalesce((select b.error from ds.builds b where b.id = v_build_id), 'no error recorded'),
      hint = 'See select * from ds.builds where id = ' || v_build_id || '.';
  end if;
end;
$$;
comment on function ds_private.build_and_wait(text, text, timestamptz, timestamptz, interval) is 'Builds through an autonomous transaction (dblink) and waits; raises DS021 when the build does not succeed.';

create or replace function ds_private.invoker() returns name
language sql stable as $$
  select case when pg_catalog.current_setting('role') = 'none' then session_user
              else pg_catalog.current_setting('role')::name end
$$;
comment on function ds_private.invoker() is 'The role that called a public function (which runs as its owner): the role set with SET ROLE, else the session user.';

create or replace function ds_private.check_data_build(v ds_private.dataset_versions, start_at timestamptz, end_at timestamptz) returns void
language plpgsql stable as $$
begin
  if not has_function_privilege(ds_private.invoker(), 'ds.build(text, text, timestamptz, timestamptz)', 'execute') then
    raise exception 'building needs the ds_builder role' using errcode = 'DS022',
      detail = format('%s may read data but not build it', ds_private.invoker()),
      hint = 'Call ds.data(..., build => false), or connect as a member of ds_builder.';
  end if;
  -- a dataset written from outside is never built (build => true reads what is there): no points to count
  if v.builder <> 'external' then
    perform ds_private.check_points(format('building %s %s over [%s, %s]', v.name, v.version, start_at, end_at),
                                    ds_server.count_points(v.name, v.version, start_at, end_at));
  end if;
end;
$$;
comment on function ds_private.check_data_build(ds_private.dataset_versions, timestamptz, timestamptz) is 'The checks of ds.data(..., build => true) before it builds: DS022 unless the caller may call ds.build; for a built (not external) dataset, DS012 for a range that ends before its start date and DS033 for more points than ds.max_points.';

create or replace function ds.data(dataset text, version text, start_at timestamptz, end_at timestamptz,
  build boolean default false, timeout interval default '5 minutes')
returns table (ts timestamptz, data jsonb)
language plpgsql volatile as $$
declare
  v_version ds_private.dataset_versions := ds_private.find_version(dataset, version);
  v_max_rows bigint := ds_private.max_rows();
  v_rows bigint;
begin
  perform ds_private.check_range(start_at, end_at);
  if build then
    perform ds_private.check_data_build(v_version, start_at, end_at);
  end if;
  -- a dataset written from outside is never built: build => true reads what is there
  if build and v_version.builder <> 'external' then
    perform ds_private.build_and_wait(dataset, version, start_at, end_at, timeout);
  end if;
  -- the typed range read, inlined into this query: rows in ts and key order from the primary key
  return query execute ds_private.data_select_sql(v_version.id, '$1', '$2') || ' limit $3'
  using start_at, end_at, v_max_rows + 1;
  -- one row past the limit is read to know it is over: the rows gathered so far are dropped
  get diagnostics v_rows = row_count;
  if v_rows > v_max_rows then
    perform ds_private.raise_too_many_rows(format('ds.data(%L, %L, %s, %s)', dataset, version, start_at, end_at));
  end if;
end;
$$;
comment on function ds.data(text, text, timestamptz, timestamptz, boolean, interval) is '@behavior +queryField -mutationField -connection +list
The rows of a dataset version in [start_at, end_at] (inclusive) as (ts, data jsonb), ordered by ts and key (without key: by ts and row_number, the order the rows were built or written in; data then omits the implicit row_number). With build => true it first builds what is missing (through dblink, so it works from one statement) and waits up to timeout; DS021 when that build fails. DS033 when the read has more rows than ds.max_rows (default 1,000,000) or the build more points than ds.max_points (default 1,000,000). Call it outside an explicit transaction when building.';

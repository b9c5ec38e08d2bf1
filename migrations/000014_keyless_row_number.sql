-- Issue 12: a dataset without key stores several rows per timestamp. Its typed table gets
-- the implicit column row_number (1, 2, ... in the order the builder or the write gave the
-- rows of a timestamp) as the last column, and its primary key becomes (ts, row_number):
-- ts, the distribution column, stays in every unique key. Existing keyless tables hold one
-- row per ts: each row becomes row 1 (the column's default, which also serves every insert
-- that writes one row per ts). The views on such a table (select *) are re-created to show
-- the column (create or replace view may add columns at the end).
do $$
declare
  v record;
  v_view record;
begin
  for v in
    select r.table_name, to_regclass(format('ds_data.%I', r.table_name)) as rel
    from ds_private.dataset_versions r
    where cardinality(r.key) = 0
      and to_regclass(format('ds_data.%I', r.table_name)) is not null
      and not exists (select from pg_catalog.pg_attribute a
                      where a.attrelid = to_regclass(format('ds_data.%I', r.table_name)) and a.attname = 'row_number' and not a.attisdropped)
  loop
    execute format('alter table ds_data.%I add column row_number integer not null default 1, drop constraint %I, add constraint %I primary key (ts, row_number)',
                   v.table_name, v.table_name || '_pkey', v.table_name || '_pkey');
    execute format('comment on column ds_data.%I.row_number is %L', v.table_name,
                   'The row''s position among the rows of its timestamp (1, 2, ...), in the order they were built or written: the implicit key of a dataset without key.');
    for v_view in
      select distinct c.relname from pg_catalog.pg_depend d
      join pg_catalog.pg_rewrite w on w.oid = d.objid
      join pg_catalog.pg_class c on c.oid = w.ev_class
      where d.classid = 'pg_catalog.pg_rewrite'::regclass and d.refobjid = v.rel and c.relkind = 'v'
        and c.relnamespace = 'ds_data'::regnamespace and c.oid <> v.rel
    loop
      execute format('create or replace view ds_data.%I as select * from ds_data.%I', v_view.relname, v.table_name);
    end loop;
  end loop;
end;
$$;

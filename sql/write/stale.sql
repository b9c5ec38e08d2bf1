-- Which built points of a dataset are outdated for some keys (docs/writes.md): recorded by
-- writes and deletes of its dependencies, rebuilt by the next build that needs them.

create or replace function ds.stale(dataset text, version text) returns table (start_at timestamptz, end_at timestamptz, keys jsonb)
language sql stable as $$
  select lower(r), upper(r), g.keys
  from (select k.points, jsonb_agg(k.key order by k.key) as keys
        from (select e.key, range_agg(r) as points
              from ds_private.stale s, jsonb_array_elements(s.keys) e(key), unnest(s.points) r
              where s.dataset_version_id = (ds_private.find_version(dataset, version)).id
              group by e.key) k
        group by k.points) g,
       unnest(g.points) r
  order by 1, 3
$$;
comment on function ds.stale(text, text) is '@behavior -*
The built points of a dataset version whose rows are outdated for some keys (a dependency changed at those keys), as slot ranges [start_at, end_at) with the key objects concerned; the next build that needs them rebuilds those keys only. Points outdated for every key are not here: they are missing (ds.missing).';

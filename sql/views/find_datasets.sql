-- Finding datasets by their tags (returns rows of the ds.datasets view, so it comes after it).

create or replace function ds.find_datasets(tags jsonb) returns setof ds.datasets
language plpgsql stable as $$
begin
  if tags is null or jsonb_typeof(tags) <> 'object' then
    raise exception 'tags must be a JSON object' using errcode = 'DS050',
      detail = format('got %s', coalesce(jsonb_typeof(tags), 'null')),
      hint = 'For example select * from ds.find_datasets(''{"asset": "equity"}'').';
  end if;
  -- the GIN index on dataset_versions.tags answers the containment
  return query
  select d.* from ds.datasets d
  where (d.name, d.version) in (select v.name, v.version from ds_private.dataset_versions v where v.tags @> find_datasets.tags)
  order by d.name, d.registered_at;
end;
$$;
comment on function ds.find_datasets(jsonb) is 'The dataset versions whose [tags] contain all the given tags (jsonb containment, so {"asset": "equity"} matches {"asset": "equity", "region": "us"}; arrays match by inclusion). Uses a GIN index.';

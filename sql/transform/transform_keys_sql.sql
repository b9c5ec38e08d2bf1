-- Shared by the built-in transforms (see docs/transforms.md): the key columns as SQL,
-- "alias.k1, alias.k2" (empty without key).

create or replace function ds_private.transform_keys_sql(key text[], alias text) returns text
language sql immutable parallel safe as $$
  select coalesce(string_agg(format('%s.%I', alias, k), ', ' order by n), '') from unnest(key) with ordinality u(k, n)
$$;
comment on function ds_private.transform_keys_sql(text[], text) is 'The key columns as SQL, "alias.k1, alias.k2" (empty without key).';

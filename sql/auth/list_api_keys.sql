-- The stored API keys, without their hashes.

create or replace function ds.list_api_keys() returns table (label text, created_at timestamptz, revoked_at timestamptz)
language sql stable as $$
  select k.label, k.created_at, k.revoked_at from ds_private.api_keys k order by k.created_at, k.id
$$;
comment on function ds.list_api_keys() is '@behavior -*
Every API key stored in the database (active and revoked), oldest first, by label; never their hashes.';

-- What a server checks presented keys against.

create or replace function ds_server.active_api_keys() returns table (label text, key_hash text)
language sql stable as $$
  select k.label, k.key_hash from ds_private.api_keys k where k.revoked_at is null
$$;
comment on function ds_server.active_api_keys() is 'Server API: the label and SHA-256 hex digest of every active API key, which the HTTP server caches and refreshes on NOTIFY ds_api_keys.';

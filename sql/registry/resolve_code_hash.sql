-- The code version of a definition (Dagster's code versions, README "Code versions"): the
-- hash ds sync computed over the builder file and its local imports, or for a built-in
-- transform or a source the hash of its [transform] or [source] table. A change of it on a registered version
-- marks the version's built points stale (ds_private.upsert_dataset_version).

create or replace function ds_private.resolve_code_hash(definition jsonb, config jsonb) returns text
language plpgsql stable as $$
begin
  if definition ? 'code_hash'
     and (jsonb_typeof(definition -> 'code_hash') <> 'string' or (definition ->> 'code_hash') !~ '^[0-9a-f]{64}$') then
    perform ds_private.raise_definition_error('DS019', 'invalid code_hash', definition ->> 'name', definition ->> 'version', 'code_hash',
      format('code_hash is a lowercase SHA-256 hex digest, got %s', left((definition -> 'code_hash')::text, 80)),
      'Let ds sync compute it (datasets/code-hash.ts).');
  end if;
  return coalesce(definition ->> 'code_hash',
                  case when config is not null then encode(sha256(convert_to(config::text, 'UTF8')), 'hex') end);
end;
$$;
comment on function ds_private.resolve_code_hash(jsonb, jsonb) is 'The code hash to register for a definition: its code_hash (SHA-256 of the builder and its local imports, from ds sync; DS019 when malformed), else the SHA-256 of its resolved transform or source table (config), else null (written from outside).';

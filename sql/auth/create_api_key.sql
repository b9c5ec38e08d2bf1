-- Storing a new API key's hash under a label (the key is made and shown by `ds api-key create`).

create or replace function ds.create_api_key(label text, key_hash text) returns timestamptz
language plpgsql volatile as $$
declare
  v_created timestamptz;
begin
  if label is null or label !~ '^[A-Za-z0-9_.-]{1,64}$' then
    raise exception 'invalid API key label %', coalesce(quote_literal(label), 'null') using errcode = 'DS051',
      detail = 'A label has 1 to 64 letters, digits, ''.'', ''_'' or ''-''.', hint = 'Name the client, for example ci-bot.';
  end if;
  if key_hash is null or key_hash !~ '^[0-9a-f]{64}$' then
    raise exception 'the hash of API key % is not a lowercase SHA-256 hex digest', label using errcode = 'DS051',
      hint = 'ds api-key create LABEL makes the key and its hash.';
  end if;
  if exists (select from ds_private.api_keys k where k.label = create_api_key.label and k.revoked_at is null) then
    raise exception 'an API key labelled % exists already', label using errcode = 'DS051',
      hint = format('Revoke it first (ds api-key revoke %s), or choose another label.', label);
  end if;
  insert into ds_private.api_keys (label, key_hash) values (create_api_key.label, create_api_key.key_hash)
  returning created_at into v_created;
  perform pg_notify('ds_api_keys', json_build_object('event', 'created', 'label', label)::text);
  return v_created;
end;
$$;
comment on function ds.create_api_key(text, text) is '@behavior -*
Stores a new API key (its SHA-256 hex digest) under a label; servers accept it at once (NOTIFY ds_api_keys). DS051 for an invalid label or hash, or a label in use.';

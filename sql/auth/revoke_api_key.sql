-- Revoking an API key by its label: servers refuse it at once.

create or replace function ds.revoke_api_key(label text) returns timestamptz
language plpgsql volatile as $$
declare
  v_revoked timestamptz;
begin
  update ds_private.api_keys k set revoked_at = now()
  where k.label = revoke_api_key.label and k.revoked_at is null
  returning k.revoked_at into v_revoked;
  if not found then
    raise exception 'no active API key is labelled %', coalesce(quote_literal(label), 'null') using errcode = 'DS052',
      hint = 'ds api-key list shows the keys; keys from the API_KEYS environment variable are removed there.';
  end if;
  perform pg_notify('ds_api_keys', json_build_object('event', 'revoked', 'label', label)::text);
  return v_revoked;
end;
$$;
comment on function ds.revoke_api_key(text) is '@behavior -*
Revokes the active API key of that label; servers refuse it at once (NOTIFY ds_api_keys). DS052 when no active key has that label.';

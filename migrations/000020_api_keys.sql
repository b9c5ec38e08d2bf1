-- REST and GraphQL API keys stored in the database (as SHA-256 hashes), managed with
-- `ds api-key create|list|revoke` and effective at once; API_KEYS keeps working beside them.
create table ds_private.api_keys (
  id bigint generated always as identity primary key,
  label text not null,
  key_hash text not null,
  created_at timestamptz not null default now(),
  revoked_at timestamptz,
  constraint api_keys_label_check check (label ~ '^[A-Za-z0-9_.-]{1,64}$'),
  constraint api_keys_key_hash_check check (key_hash ~ '^[0-9a-f]{64}$'),
  constraint api_keys_key_hash_key unique (key_hash)
);
create unique index api_keys_active_label_key on ds_private.api_keys (label) where revoked_at is null;
comment on table ds_private.api_keys is 'API keys of the REST and GraphQL APIs: a label and the SHA-256 of the key (the key itself is shown once and stored nowhere); revoked keys stay, with revoked_at.';

-- The rows a push event carries (the newRows subscription's values, GET /api/v1/stream): the
-- stored rows of a version in [first_at, last_at] whose key fields match the filters, at most
-- max_rows of them, in ts and key order. Events carry a range (a chunk's points, a write's
-- first and last ts), so these are the rows stored in that range when the event is read.

create or replace function ds_server.pushed_rows(dataset text, version text, first_at timestamptz, last_at timestamptz,
    filters jsonb, max_rows integer)
returns table (ts text, data jsonb)
language plpgsql stable set timezone to 'UTC' as $$
declare
  v ds_private.dataset_versions := ds_private.find_version(dataset, version);
begin
  -- the row's schema fields as jsonb (row_number, the implicit column of a keyless dataset, left out)
  return query execute format(
    'select to_json(t.ts) #>> ''{}'', coalesce((select jsonb_object_agg(e.key, e.value) from jsonb_each(to_jsonb(t)) e where e.key = any ($3)), ''{}'')
     from ds_data.%I($1, $2) t
     where not exists (select from jsonb_each_text($4) f where to_jsonb(t) ->> f.key is distinct from f.value)
     limit $5', ds_private.version_read_name(v.table_name))
  using first_at, last_at, array(select f ->> 'name' from jsonb_array_elements(v.schema) f), coalesce(filters, '{}'), max_rows;
end;
$$;
comment on function ds_server.pushed_rows(text, text, timestamptz, timestamptz, jsonb, integer) is 'Server API: the rows of a dataset version in [first_at, last_at] (inclusive) whose fields equal the filters (a JSON object compared as text), at most max_rows, as ts (ISO 8601 UTC text) and data (the schema''s fields): what a push event carries. DS001/DS002 for an unknown version.';

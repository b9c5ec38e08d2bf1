-- Semantic versions: MAJOR.MINOR.PATCH with an optional -PRERELEASE (no build metadata),
-- no leading zeros. Precedence follows semver.org: a prerelease ranks below its release.

create or replace function ds_private.prerelease_key(prerelease text) returns text[]
language sql immutable parallel safe as $$
  select array_agg(case when ident ~ '^[0-9]+$' then '0' || lpad(length(ident)::text, 4, '0') || ident
                        else '1' || ident end collate "C" order by ord)
  from unnest(string_to_array(prerelease, '.')) with ordinality as t(ident, ord)
$$;
comment on function ds_private.prerelease_key(text) is 'A sort key for a semver prerelease (compare with collate "C"): numeric identifiers by value and below alphanumeric ones, a shorter prefix below a longer one.';

-- security definer: the ds.datasets view calls it on behalf of ds_reader
create or replace function ds_private.newest_version_id(dataset_id integer) returns integer
language sql stable security definer set search_path = pg_catalog, pg_temp as $$
  select v.id from ds_private.dataset_versions v
  where v.dataset_id = newest_version_id.dataset_id
  order by v.major desc, v.minor desc, v.patch desc, v.prerelease is null desc,
           ds_private.prerelease_key(v.prerelease) collate "C" desc
  limit 1
$$;
comment on function ds_private.newest_version_id(integer) is 'The newest version of a dataset in semver order (a prerelease ranks below its release); its ds_data view shows this version.';

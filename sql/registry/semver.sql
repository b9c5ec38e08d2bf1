-- Semantic versions: MAJOR.MINOR.PATCH with an optional -PRERELEASE (no build metadata),
-- no leading zeros. Precedence follows semver.org: a prerelease ranks below its release.

create or replace function ds_private.parse_semver(
  dataset text, version text, out major integer, out minor integer, out patch integer, out prerelease text
)
language plpgsql volatile as $$
declare
  v_ident constant text := '(?:0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*)';
  v_match text[] := regexp_match(version,
    '^(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})(?:-(' || v_ident || '(?:\.' || v_ident || ')*))?$');
begin
  if v_match is null then
    perform ds_private.raise_definition_error('DS002', format('invalid version %s', coalesce(quote_literal(version), 'null')),
      dataset, version, 'version', 'a version is MAJOR.MINOR.PATCH with an optional -PRERELEASE, numbers without leading zeros',
      'Use for example 0.1.0, 1.2.3 or 1.0.0-beta.1, and name the folder after it.');
  end if;
  major := v_match[1]::integer;
  minor := v_match[2]::integer;
  patch := v_match[3]::integer;
  prerelease := v_match[4];
end;
$$;
comment on function ds_private.parse_semver(text, text) is 'Splits a semantic version (MAJOR.MINOR.PATCH[-PRERELEASE]) into its parts; raises DS002 when malformed.';

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

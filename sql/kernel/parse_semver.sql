-- Semantic versions: MAJOR.MINOR.PATCH with an optional -PRERELEASE (no build metadata),
-- no leading zeros.

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

-- Roles for people and tools: ds_reader reads data and the catalog; ds_builder may also
-- build, cancel and delete. Both are group roles (NOLOGIN): grant them to login roles.
-- Roles are shared by every database of the server, so another database may have created
-- them already (possibly at this very moment).
do $$
begin
  begin
    create role ds_reader nologin;
  exception when duplicate_object or unique_violation then null;
  end;
  begin
    create role ds_builder nologin;
  exception when duplicate_object or unique_violation then null;
  end;
end
$$;

comment on role ds_reader is 'datastream: read ds_data tables and views, the ds catalog views, ds.data, ds.missing and the calendar functions.';
comment on role ds_builder is 'datastream: ds_reader plus ds.build, ds.wait, ds.cancel and ds.delete.';

do $$
begin
  grant ds_reader to ds_builder;
  -- the installation role (servers use SET ROLE to act as either)
  execute format('grant ds_reader, ds_builder to %I', current_user);
exception when insufficient_privilege or invalid_grant_operation then
  raise warning 'could not grant ds_reader/ds_builder to %: %', current_user, sqlerrm;
end
$$;

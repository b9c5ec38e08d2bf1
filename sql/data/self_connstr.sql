create or replace function ds_private.conninfo_quote(value text) returns text
language sql immutable strict as $$
  select '''' || replace(replace(value, '\', '\\'), '''', '\''') || ''''
$$;
comment on function ds_private.conninfo_quote(text) is 'Quotes a value for a libpq connection string.';

create or replace function ds_private.self_connstr() returns text
language sql stable as $$
  select coalesce(
    (select s.value from ds_private.settings s where s.name = 'dblink_connstr'),
    format('host=%s port=%s dbname=%s user=%s',
      ds_private.conninfo_quote(trim(split_part(current_setting('unix_socket_directories'), ',', 1))),
      current_setting('port'), ds_private.conninfo_quote(current_database()), ds_private.conninfo_quote(current_user)))
$$;
comment on function ds_private.self_connstr() is 'How dblink reaches this database for an autonomous transaction: the settings row dblink_connstr, else the first Unix socket directory as the current user.';

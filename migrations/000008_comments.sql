-- The migrator's own table gets its comment like every other table.
comment on table ds_private.migrations is 'Applied migrations (file name and content hash); an applied file is never edited.';

-- Tags of dataset versions ([tags] in config.toml) are searched with jsonb containment.
create index dataset_versions_tags_idx on ds_private.dataset_versions using gin (tags jsonb_path_ops);

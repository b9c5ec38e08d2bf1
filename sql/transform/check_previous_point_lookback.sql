-- Shared by the built-in transforms (see docs/transforms.md): raises DS019 unless the
-- target reads its source with a counted lookback >= 2 and has the source's granularity
-- (what the previous-point transforms need).

-- The previous point (derivative, counter-reset, counter-derivative): the rows of a point T
-- and of the source's calendar point just before T, per key (p: the source's calendar
-- points in the window, each with the one before it; r: the rows with their previous row). Needs a counted lookback of at
-- least 2 on the source, so that $3 reaches that point for the first point of a chunk.
create or replace function ds_private.check_previous_point_lookback(target ds_private.dataset_versions, kind text, source ds_private.dataset_versions)
returns void
language plpgsql volatile as $$
declare
  v_edge ds_private.dependencies := (select d from ds_private.dependencies d where d.dataset_version_id = target.id and d.depends_on_id = source.id);
begin
  if coalesce(v_edge.lookback_points, 0) < 2 then
    perform ds_private.raise_transform_error(target, kind, format('dependencies.%s.lookback', source.name),
      format('the lookback on %s is %s, but %s reads the previous point of the source: it needs a counted lookback of at least 2',
             source.name, coalesce(v_edge.lookback, 'none'), kind),
      format('Write %s = { version = "%s", lookback = 2 }.', source.name, source.version));
  end if;
  if target.step <> source.step then
    perform ds_private.raise_transform_error(target, kind, 'granularity',
      format('granularity %s differs from %s of %s: %s works point by point on its source', target.granularity, source.granularity, source.name, kind),
      format('Use granularity = "%s", or resample or downsample the source first.', source.granularity));
  end if;
end;
$$;
comment on function ds_private.check_previous_point_lookback(ds_private.dataset_versions, text, ds_private.dataset_versions) is 'Raises DS019 unless the target reads its source with a counted lookback >= 2 and has the source''s granularity (what the previous-point transforms need).';

-- Issue 12: dependency windows without look-ahead. A dependency is read, for a point T of
-- its dependent, either at T and before (window 'point', the default and the original
-- builder server's rule: [T - (L - 1 unit), T], the point T itself without lookback), or over
-- the bucket T labels ('bucket': [T, T + step), the old default, which for a coarser dataset
-- reads data after T). The built-in transforms read buckets, so their edges become 'bucket';
-- every other edge is 'point' from now on (README, "Dependency windows").
alter table ds_private.dependencies
  add column window_kind text not null default 'point',
  add constraint dependencies_window_kind_check check (window_kind in ('point', 'bucket'));
comment on column ds_private.dependencies.window_kind is
  'How a point T of the dependent reads the dependency: ''point'' (default) the dependency''s points up to and including T (T itself without lookback, [T - (L - 1 unit), T] for a wall-clock lookback L, the N points ending at the last one <= T for a counted lookback N); ''bucket'' the points of the bucket [T, T + step) (widened back by the lookback), which reads data after T for a coarser dataset.';
comment on column ds_private.dependencies.lookback_interval is
  'Wall-clock lookback "5d" as an interval; the window reaches back to T - (5d - 1d) (see window_kind); null when absent or counted.';
update ds_private.dependencies d set window_kind = 'bucket'
from ds_private.dataset_versions v
where v.id = d.dataset_version_id and v.transform is not null;

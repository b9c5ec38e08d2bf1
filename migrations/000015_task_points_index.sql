-- Linking a build's tasks (ds_private.link_tasks) finds, for each new task's window, the
-- unfinished tasks whose points overlap it: a GiST index on those points makes that a
-- lookup per window instead of a scan of every unfinished task (planning was quadratic).
create index tasks_active_points_idx on ds_private.tasks using gist (points)
  where state in ('waiting', 'queued', 'running');
comment on index ds_private.tasks_active_points_idx is 'Unfinished tasks by their points: the overlap lookups of ds_private.link_tasks and planning.';

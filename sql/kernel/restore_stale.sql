-- Giving back the stale keys of a task that did not complete.

create or replace function ds_private.restore_stale(task_ids bigint[]) returns integer
language sql volatile as $$
  with restored as (
    insert into ds_private.stale (dataset_version_id, points, keys)
    select t.dataset_version_id, t.points, t.keys from ds_private.tasks t
    where t.id = any (task_ids) and t.keys is not null and t.state in ('failed', 'cancelled')
    returning 1
  )
  select count(*)::integer from restored
$$;
comment on function ds_private.restore_stale(bigint[]) is 'Gives the points of failed or cancelled tasks of some keys back to ds_private.stale: their rows are still outdated; returns how many.';

-- The locks of a write or delete: the changed dataset, every dataset whose coverage or
-- stale points it may touch (its dependents, transitively) and, for those refreshed on
-- write, the closure their builds plan — all at once and in id order, the order
-- ds.build takes them in, so that writers and planners never deadlock.

create or replace function ds_private.write_closure(version_id integer) returns setof integer
language sql stable as $$
  with recursive down (id) as (
    select write_closure.version_id
    union
    select d.dataset_version_id from ds_private.dependencies d join down on d.depends_on_id = down.id
  ), up (id) as (
    select down.id from down join ds_private.dataset_versions v on v.id = down.id where v.refresh_on_write
    union
    select d.depends_on_id from ds_private.dependencies d join up on d.dataset_version_id = up.id
  )
  select down.id from down union select up.id from up
$$;
comment on function ds_private.write_closure(integer) is 'The dataset versions a change of the version touches: the version, its dependents (transitively) and the dependency closures of those refreshed on write.';

create or replace function ds_private.lock_write_closure(version_id integer) returns void
language plpgsql volatile as $$
begin
  perform ds_private.lock_dataset(c.id) from ds_private.write_closure(version_id) c(id) order by c.id;
end;
$$;
comment on function ds_private.lock_write_closure(integer) is 'Takes, in id order, the dataset locks a write or delete of the version needs: those of ds_private.write_closure.';

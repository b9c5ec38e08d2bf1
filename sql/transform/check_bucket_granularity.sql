-- Shared by the built-in transforms (see docs/transforms.md): raises DS019 (field
-- granularity) unless a bucketing transform's granularity is a multiple of its source's
-- below one day, or a whole number of days.

create or replace function ds_private.check_bucket_granularity(target ds_private.dataset_versions, kind text, source ds_private.dataset_versions)
returns void
language plpgsql volatile as $$
declare
  v_target numeric := extract(epoch from target.step);
begin
  if v_target < 86400 and mod(v_target, extract(epoch from source.step)) <> 0 then
    perform ds_private.raise_transform_error(target, kind, 'granularity',
      format('granularity %s is not a multiple of %s, the granularity of %s', target.granularity, source.granularity, source.name),
      'Below one day a bucket holds whole source points: use a multiple of the source''s granularity.');
  elsif v_target >= 86400 and mod(v_target, 86400) <> 0 then
    perform ds_private.raise_transform_error(target, kind, 'granularity',
      format('granularity %s is one day or more but not a whole number of days', target.granularity),
      'From one day up, buckets are sessions: use 1d, 2d, 7d, ...');
  end if;
end;
$$;
comment on function ds_private.check_bucket_granularity(ds_private.dataset_versions, text, ds_private.dataset_versions) is 'Raises DS019 (field granularity) unless a bucketing transform''s granularity is a multiple of its source''s below one day, or a whole number of days.';

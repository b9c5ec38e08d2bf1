-- A range that ends before a dataset's start date: the same error wherever a range of it is asked for.

create or replace function ds_private.check_not_before_start(v ds_private.dataset_versions, start_at timestamptz, end_at timestamptz) returns void
language plpgsql stable as $$
begin
  if end_at < v.start_at then
    raise exception '% % starts on %, after the requested end %', v.name, v.version, v.start_at, end_at
      using errcode = 'DS012', detail = format('requested [%s, %s]', start_at, end_at),
            hint = 'Request a range that ends on or after the dataset''s start-date.';
  end if;
end;
$$;
comment on function ds_private.check_not_before_start(ds_private.dataset_versions, timestamptz, timestamptz) is 'Raises DS012 when the range ends before the dataset version''s start date.';

-- The checks every ranged function makes of its start and end.

create or replace function ds_private.check_range(start_at timestamptz, end_at timestamptz) returns void
language plpgsql immutable as $$
begin
  if start_at is null or end_at is null then
    raise exception 'start and end are required' using errcode = 'DS012',
      detail = format('start: %s, end: %s', coalesce(start_at::text, 'null'), coalesce(end_at::text, 'null')),
      hint = 'Pass both timestamps, for example ''2024-01-01'' and ''2024-01-31''.';
  end if;
  if not isfinite(start_at) or not isfinite(end_at) then
    raise exception 'the range must be finite: % is not a finite timestamp', case when isfinite(start_at) then end_at else start_at end
      using errcode = 'DS035', detail = format('start: %s, end: %s', start_at, end_at),
            hint = 'Use finite timestamps, for example ''2024-01-01'' and ''2024-12-31''.';
  end if;
  if start_at > end_at then
    raise exception 'start % is after end %', start_at, end_at using errcode = 'DS012',
      detail = 'The range is inclusive: start must be at or before end.', hint = 'Swap the two timestamps.';
  end if;
end;
$$;
comment on function ds_private.check_range(timestamptz, timestamptz) is 'Validates an inclusive [start, end] range: DS012 (a missing bound, start after end), DS035 (infinity or -infinity).';

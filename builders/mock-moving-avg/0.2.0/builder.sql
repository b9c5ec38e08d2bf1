-- mock-moving-avg 0.2.0: per point T of the chunk and per ticker, the mean close of
-- mock-daily-close over the window [T - 4 days, T] ("5d") and the number of closes in it.
-- $3 is where the chunk's first window starts. Closes are summed in time order, like
-- 0.1.0's reduce, so the averages are the same to the last bit. Intervals in hours: an
-- interval in days would follow the session's time zone across DST changes.
select p.ts, c.ticker, avg(c.close order by c.ts) as close_avg, count(*) as points
from ds.calendar_points('everyday', '1d', $1, $2) as p(ts)
join ds_data.mock_daily_close_v0_2_0 c
  on c.ts >= $3 and c.ts >= p.ts - interval '96 hours' and c.ts <= p.ts
where p.ts < $2
group by p.ts, c.ticker

-- bench-minute-sma 0.2.0: 0.1.0 in SQL. One window function over the chunk and its
-- lookback (:"bench-minute-ohlc" holds the rows from :window_start to :chunk_end), then only
-- the chunk's points (:chunk_start ..) are kept.
select ts, ticker, close_avg, points
from (
  select o.ts, o.ticker, avg(o.close) over w as close_avg, count(*) over w as points
  from :"bench-minute-ohlc" o
  window w as (partition by o.ticker order by o.ts range between interval '4 minutes' preceding and current row)
) s
where ts >= :chunk_start

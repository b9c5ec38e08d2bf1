-- bench-minute-sma 0.2.0: 0.1.0 in SQL. One window function over the chunk and its
-- lookback ($3 .. $2), then only the chunk's points ($1 ..) are kept.
select ts, ticker, close_avg, points
from (
  select o.ts, o.ticker, avg(o.close) over w as close_avg, count(*) over w as points
  from ds_data.bench_minute_ohlc_v0_1_0 o
  where o.ts >= $3 and o.ts < $2
  window w as (partition by o.ticker order by o.ts range between interval '4 minutes' preceding and current row)
) s
where ts >= $1

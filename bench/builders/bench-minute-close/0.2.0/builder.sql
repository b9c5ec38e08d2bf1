-- bench-minute-close 0.2.0: 0.1.0 in SQL, the close of each bench-minute-ohlc row of the chunk.
select o.ts, o.ticker, o.close
from ds_data.bench_minute_ohlc_v0_1_0 o
where o.ts >= $1 and o.ts < $2

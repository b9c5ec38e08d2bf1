-- mock-daily-close 0.2.0: the close of each mock-ohlc row of the chunk.
-- $1 = first point of the chunk, $2 = its end (exclusive); same calendar and granularity
-- as mock-ohlc, so every row in [$1, $2) is at one of the chunk's points.
select o.ts, o.ticker, o.close
from ds_data.mock_ohlc_v0_1_0 o
where o.ts >= $1 and o.ts < $2

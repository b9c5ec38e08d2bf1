-- mock-daily-close 0.2.0: the close of each mock-ohlc row of the chunk. Same calendar and
-- granularity as mock-ohlc, without lookback: the chunk reads mock-ohlc's rows at its own
-- points, which :"mock-ohlc" holds (its rows from the first point the chunk reads to the
-- chunk's end).
select o.ts, o.ticker, o.close
from :"mock-ohlc" o

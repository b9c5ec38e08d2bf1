-- mock-multi-close 0.2.0: the close of each ticker of mock-multi-ohlc at the chunk's points
-- (same calendar and granularity, no lookback: :"mock-multi-ohlc" holds exactly those rows).
select o.ts, o.ticker, o.close
from :"mock-multi-ohlc" o

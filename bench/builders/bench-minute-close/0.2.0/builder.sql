-- bench-minute-close 0.2.0: 0.1.0 in SQL, the close of each bench-minute-ohlc row of the
-- chunk (:"bench-minute-ohlc" holds its rows from :window_start, here :chunk_start, to :chunk_end).
select o.ts, o.ticker, o.close
from :"bench-minute-ohlc" o

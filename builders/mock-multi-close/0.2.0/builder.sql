-- mock-multi-close 0.2.0: the close of each ticker of mock-multi-ohlc in the chunk [$1, $2).
select o.ts, o.ticker, o.close
from ds_data.mock_multi_ohlc_v0_1_0 o
where o.ts >= $1 and o.ts < $2

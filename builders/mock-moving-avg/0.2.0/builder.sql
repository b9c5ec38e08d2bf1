-- mock-moving-avg 0.2.0: per point T of the chunk and per ticker, the mean close of
-- mock-daily-close over T's window and the number of closes in it. The window is the
-- dependency's lookback in config.toml ("5d": [T - 4 days, T]), applied by
-- :windowed("mock-daily-close"): each point with the rows it reads. Closes are summed in
-- time order, like 0.1.0's reduce, so the averages are the same to the last bit.
select w.point as ts, w.ticker, avg(w.close order by w.ts) as close_avg, count(*) as points
from :windowed("mock-daily-close") w
group by w.point, w.ticker

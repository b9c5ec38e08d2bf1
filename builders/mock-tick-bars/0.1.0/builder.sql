-- per ticker and minute of the session: the trades of mock-ticks in [p, p + 1 minute), the
-- minute's window on the written ticks (each point with its rows: :windowed)
select w.point as ts, w.ticker,
       (array_agg(w.price order by w.ts, w.seq))[1] as open, max(w.price) as high, min(w.price) as low,
       (array_agg(w.price order by w.ts desc, w.seq desc))[1] as close,
       sum(w.size)::bigint as volume, count(*) as trades
from :windowed("mock-ticks") w
group by w.point, w.ticker

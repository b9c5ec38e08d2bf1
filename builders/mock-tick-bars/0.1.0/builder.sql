-- per ticker and minute of the session: the trades of mock-ticks in [p, p + 1 minute)
select p.ts, t.ticker,
       (array_agg(t.price order by t.ts, t.seq))[1] as open, max(t.price) as high, min(t.price) as low,
       (array_agg(t.price order by t.ts desc, t.seq desc))[1] as close,
       sum(t.size)::bigint as volume, count(*) as trades
from ds.calendar_points('nyse', '1m', $1, $2) p(ts)
join ds_data.mock_ticks_v0_1_0 t on t.ts >= p.ts and t.ts < p.ts + interval '1 minute'
where p.ts < $2
group by p.ts, t.ticker

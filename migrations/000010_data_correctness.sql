-- Issue 7, data bugs: ds.asof gains the parameter available ('end': a right row counts from
-- the end of its bucket, the default; 'label': from its ts), so its old exact signature goes;
-- the indicator transform declares a warm-up (a counted lookback) instead of reading the
-- whole history, so the check of a history-long lookback goes.
drop function if exists ds.asof(text, text, text, text, timestamptz, timestamptz, text[]);
drop function if exists ds_private.check_history_lookback(ds_private.dataset_versions, ds_private.dataset_versions);

-- Issue 8, item 3: ds.asof gains the parameter tolerance (a right row older than ts -
-- tolerance does not match), so its old exact signature goes. sql/grants/roles.sql alters
-- every ds.asof, so the migrator would not see the old one as removed from sql/.
drop function if exists ds.asof(text, text, text, text, timestamptz, timestamptz, text[], text);

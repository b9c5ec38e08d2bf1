-- ds.builds.progress becomes double precision (a GraphQL Float, a JSON number) instead of
-- numeric, which PostGraphile served as a BigFloat string in two precisions ("1.0",
-- "0.5000"). A view's column cannot change type in place: sql/views/builds.sql recreates it.
drop view if exists ds.builds;  -- a fresh database has none yet: sql/ comes after the migrations

-- first_of / last_of: the first and the last non-null value of a group in the order given
-- to the aggregate (ds_private.first_of(open order by ts)), or, as a running window
-- aggregate, the last non-null value so far (last_value ... ignore nulls).

create or replace function ds_private.keep_state(state anyelement, value anyelement) returns anyelement
language sql immutable strict parallel safe as 'select state';
comment on function ds_private.keep_state(anyelement, anyelement) is 'Transition function of ds_private.first_of: keeps the state (strict, so the first non-null value becomes the state).';

create or replace function ds_private.take_value(state anyelement, value anyelement) returns anyelement
language sql immutable strict parallel safe as 'select value';
comment on function ds_private.take_value(anyelement, anyelement) is 'Transition function of ds_private.last_of: takes each non-null value (strict, so nulls leave the state alone).';

create or replace aggregate ds_private.first_of(anyelement) (sfunc = ds_private.keep_state, stype = anyelement, parallel = safe);
comment on aggregate ds_private.first_of(anyelement) is 'The first non-null value in the aggregate''s order (give one: first_of(open order by ts)); null when every value is null.';

create or replace aggregate ds_private.last_of(anyelement) (sfunc = ds_private.take_value, stype = anyelement, parallel = safe);
comment on aggregate ds_private.last_of(anyelement) is 'The last non-null value in the aggregate''s order (give one: last_of(close order by ts)); as a window aggregate over rows unbounded preceding, the latest non-null value so far.';

-- The routing hash of an array's first account (batches go to the shard of from_accounts[1]).
CREATE OR REPLACE FUNCTION pgbank_router.route_first(ids uuid[])
RETURNS int
LANGUAGE sql
IMMUTABLE PARALLEL SAFE
AS $$ SELECT pgbank_router.route(ids[1]) $$;
COMMENT ON FUNCTION pgbank_router.route_first(uuid[]) IS 'Routing hash of ids[1] (0 when the array is NULL or empty)';

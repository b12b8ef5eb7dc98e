-- The router's post_hold()/void_hold() on every shard: finishes the hold where it lives; no row where it doesn't.
CREATE OR REPLACE FUNCTION pgbank.shard_finish_hold(action text, hold_id uuid, amount numeric DEFAULT NULL)
RETURNS SETOF pgbank.hold_result
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pgbank, pg_temp
AS $$
BEGIN
  IF hold_id IS NOT NULL AND NOT EXISTS (SELECT FROM holds h WHERE h.id = hold_id) THEN
    RETURN;  -- another shard's (the router says unknown when none has it)
  END IF;
  IF action = 'post' THEN
    RETURN NEXT pgbank.post_hold(hold_id, amount);
  ELSIF action = 'void' THEN
    RETURN NEXT pgbank.void_hold(hold_id);
  ELSE
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('shard_finish_hold: action %s must be post or void', pgbank_private.shown(action));
  END IF;
END
$$;
COMMENT ON FUNCTION pgbank.shard_finish_hold(text, uuid, numeric) IS
  'Shard side of the router''s post_hold()/void_hold() (run on all shards): finishes the hold on the shard that has it, no row elsewhere';
REVOKE ALL ON FUNCTION pgbank.shard_finish_hold(text, uuid, numeric) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.shard_finish_hold(text, uuid, numeric) TO pgbank_app;

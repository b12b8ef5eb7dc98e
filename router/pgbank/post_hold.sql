-- Router: post_hold() on the shard that has the hold (asked of all: a hold id does not say its shard).
CREATE OR REPLACE FUNCTION pgbank.post_hold(hold_id uuid, amount numeric DEFAULT NULL)
RETURNS pgbank.hold_result
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pgbank, pg_temp
AS $$
DECLARE
  r pgbank.hold_result;
BEGIN
  SELECT * INTO r FROM pgbank_router.finish_hold('post', hold_id, amount);
  IF NOT FOUND THEN  -- no shard has it: what one node says
    RAISE EXCEPTION USING ERRCODE = 'P0002', MESSAGE = format('post_hold: unknown hold %L', hold_id);
  END IF;
  RETURN r;
END
$$;
COMMENT ON FUNCTION pgbank.post_hold(uuid, numeric) IS
  'Router: post_hold() on the shard that has the hold; P0002 when none has it';
REVOKE ALL ON FUNCTION pgbank.post_hold(uuid, numeric) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.post_hold(uuid, numeric) TO pgbank_app;

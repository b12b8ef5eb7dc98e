-- Router: void_hold() on the shard that has the hold (asked of all: a hold id does not say its shard).
CREATE OR REPLACE FUNCTION pgbank.void_hold(hold_id uuid)
RETURNS pgbank.hold_result
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pgbank, pg_temp
AS $$
DECLARE
  r pgbank.hold_result;
BEGIN
  SELECT * INTO r FROM pgbank_router.finish_hold('void', hold_id, NULL);
  IF NOT FOUND THEN  -- no shard has it: what one node says
    RAISE EXCEPTION USING ERRCODE = 'P0002', MESSAGE = format('void_hold: unknown hold %L', hold_id);
  END IF;
  RETURN r;
END
$$;
COMMENT ON FUNCTION pgbank.void_hold(uuid) IS
  'Router: void_hold() on the shard that has the hold; P0002 when none has it';
REVOKE ALL ON FUNCTION pgbank.void_hold(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.void_hold(uuid) TO pgbank_app;

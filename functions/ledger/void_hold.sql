-- Cancels a hold: the reserved funds become available again.
CREATE OR REPLACE FUNCTION pgbank.void_hold(hold_id uuid)
RETURNS pgbank.hold_result
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pgbank, pg_temp
AS $$
BEGIN
  IF hold_id IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'void_hold: hold_id must not be NULL';
  END IF;
  RETURN pgbank_private.finish_hold(hold_id, 'void');
END
$$;
COMMENT ON FUNCTION pgbank.void_hold(uuid) IS 'Void a hold: release its reserved funds; status voided, or expired when past its deadline';
REVOKE ALL ON FUNCTION pgbank.void_hold(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.void_hold(uuid) TO pgbank_app;

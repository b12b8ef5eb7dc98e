-- Completes a hold: moves all of it, or a part (amount ≤ held), and releases the rest.
CREATE OR REPLACE FUNCTION pgbank.post_hold(hold_id uuid, amount numeric DEFAULT NULL)
RETURNS pgbank.hold_result
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pgbank, pg_temp
AS $$
BEGIN
  IF hold_id IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'post_hold: hold_id must not be NULL';
  END IF;
  IF amount IS NOT NULL THEN
    PERFORM pgbank_private.check_amount('post_hold', amount);
    amount := round(amount, 2);
  END IF;
  RETURN pgbank_private.finish_hold(hold_id, 'post', amount);
END
$$;
COMMENT ON FUNCTION pgbank.post_hold(uuid, numeric) IS
  'Post a hold: transfer all of it (amount NULL) or part of it; status posted, or expired when past its deadline';
REVOKE ALL ON FUNCTION pgbank.post_hold(uuid, numeric) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.post_hold(uuid, numeric) TO pgbank_app;

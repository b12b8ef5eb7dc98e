-- Refuses (22023) a call that names a clearing account: only the delivery moves their money.
CREATE OR REPLACE FUNCTION pgbank_private.check_not_clearing(caller text, VARIADIC ids uuid[])
RETURNS void
LANGUAGE plpgsql
IMMUTABLE
AS $$
DECLARE
  id uuid;
BEGIN
  FOREACH id IN ARRAY ids LOOP
    IF pgbank_private.is_clearing(id) THEN
      RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('%s: account %L is a clearing account', caller, id),
        HINT = 'ids ffffffff-ffff-ffff-ffff-… are reserved for the money in transit between shards';
    END IF;
  END LOOP;
END
$$;
COMMENT ON FUNCTION pgbank_private.check_not_clearing(text, uuid[]) IS
  'Helper: raises 22023 when one of the ids is reserved for clearing accounts';

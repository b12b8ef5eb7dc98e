-- Trigger on each copied day's partition: a row written, changed or removed there (or the partition truncated) is so in pgbank.history_copy.
CREATE OR REPLACE FUNCTION pgbank_private.keep_history_copy()
RETURNS trigger
LANGUAGE plpgsql
AS $$  -- names are schema-qualified: no SET search_path, which costs every call
DECLARE
  day   date;    -- the partition's: the trigger's argument
  missing int;  -- sides of the old row the copy did not hold
BEGIN
  IF TG_OP = 'TRUNCATE' THEN  -- also fired by a TRUNCATE of pgbank.transactions, after its own emptied the copy
    day := TG_ARGV[0]::date;
    DELETE FROM pgbank.history_copy c
     WHERE c.ts >= day::timestamp AT TIME ZONE 'UTC' AND c.ts < (day + 1)::timestamp AT TIME ZONE 'UTC';
    RETURN NULL;
  END IF;
  -- An UPDATE that moves a row to another day's partition fires DELETE here and INSERT there.
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    -- Every side of the old row must have been in the copy: a writer whose snapshot predates the
    -- day's copy (REPEATABLE READ or SERIALIZABLE) cannot see the copied rows it must change; it
    -- retries, with a snapshot that does.
    WITH sides AS (
      SELECT * FROM pgbank_private.ledger_sides(OLD.sender, OLD.receiver)
    ), gone AS (
      DELETE FROM pgbank.history_copy c USING sides s
       WHERE c.account = s.account AND c.ts = OLD.ts AND c.id = OLD.id AND c.sent = s.sent AND c.counterparty = s.counterparty
      RETURNING 1
    )
    SELECT (SELECT count(*) FROM sides) - (SELECT count(*) FROM gone) INTO missing;
    IF missing > 0 THEN
      RAISE EXCEPTION USING ERRCODE = '40001',
        MESSAGE = format('transaction %s of %s was copied for history after this transaction''s snapshot was taken', OLD.id, (OLD.ts AT TIME ZONE 'UTC')::date),
        HINT = 'retry the transaction';
    END IF;
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN
    INSERT INTO pgbank.history_copy (account, ts, id, sent, counterparty, amount, status, reason, metadata, reverses)
    SELECT s.account, NEW.ts, NEW.id, s.sent, s.counterparty, NEW.amount, NEW.status, NEW.reason, NEW.metadata, NEW.reverses
      FROM pgbank_private.ledger_sides(NEW.sender, NEW.receiver) s;
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION pgbank_private.keep_history_copy() IS
  'Trigger on a copied day''s partition of pgbank.transactions: keeps pgbank.history_copy equal to it';

-- Trigger: keeps pgbank.user_monthly_totals equal to the effective ('success') rows of pgbank.transactions.
CREATE OR REPLACE FUNCTION pgbank_private.rollup_transaction()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pgbank, pg_temp
AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    TRUNCATE user_monthly_totals;
    RETURN NULL;
  END IF;
  IF TG_OP = 'UPDATE' AND OLD.status = 'success' AND NEW.status = 'success'
     AND (OLD.sender, OLD.receiver, OLD.ts, OLD.amount) = (NEW.sender, NEW.receiver, NEW.ts, NEW.amount) THEN
    RETURN NULL;  -- nothing that counts has changed
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status = 'success' THEN
    PERFORM pgbank_private.add_to_monthly_totals(OLD.sender, OLD.receiver, OLD.ts, -OLD.amount);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status = 'success' THEN
    -- What counts must name real users (the table has no foreign keys, see migration 0002).
    IF NOT EXISTS (SELECT FROM users WHERE id = NEW.sender) OR NOT EXISTS (SELECT FROM users WHERE id = NEW.receiver) THEN
      RAISE EXCEPTION USING ERRCODE = '23503',
        MESSAGE = format('transaction %s: unknown user %L', NEW.id,
                         CASE WHEN NOT EXISTS (SELECT FROM users WHERE id = NEW.sender) THEN NEW.sender ELSE NEW.receiver END);
    END IF;
    PERFORM pgbank_private.add_to_monthly_totals(NEW.sender, NEW.receiver, NEW.ts, NEW.amount);
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION pgbank_private.rollup_transaction() IS
  'Trigger: a transaction counts in pgbank.user_monthly_totals while its status is ''success''';

-- Row triggers (cloned to every partition); a row only costs a call when it counts.
-- Like foreign key triggers they don't fire under session_replication_role = replica: bulk loaders
-- (pgbank_private.insert_history) and logical-replication subscribers bring the totals themselves.
CREATE OR REPLACE TRIGGER transactions_rollup_insert
  AFTER INSERT ON pgbank.transactions
  FOR EACH ROW WHEN (NEW.status = 'success') EXECUTE FUNCTION pgbank_private.rollup_transaction();
CREATE OR REPLACE TRIGGER transactions_rollup_update
  AFTER UPDATE ON pgbank.transactions
  FOR EACH ROW WHEN (OLD.status = 'success' OR NEW.status = 'success') EXECUTE FUNCTION pgbank_private.rollup_transaction();
CREATE OR REPLACE TRIGGER transactions_rollup_delete
  AFTER DELETE ON pgbank.transactions
  FOR EACH ROW WHEN (OLD.status = 'success') EXECUTE FUNCTION pgbank_private.rollup_transaction();
CREATE OR REPLACE TRIGGER transactions_rollup_truncate
  AFTER TRUNCATE ON pgbank.transactions
  FOR EACH STATEMENT EXECUTE FUNCTION pgbank_private.rollup_transaction();

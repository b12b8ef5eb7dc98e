-- Trigger: when a ledger row changes or goes, its old effect is taken out and its new one put in (balances, totals, held funds).
CREATE OR REPLACE FUNCTION pgbank_private.apply_changed_transaction()
RETURNS trigger
LANGUAGE plpgsql
AS $$  -- names are schema-qualified: no SET search_path, which costs every call
DECLARE
  world CONSTANT uuid := pgbank_private.world();
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    TRUNCATE pgbank.user_monthly_totals;
    UPDATE pgbank.users SET balance = 0, held = 0, totals_day = NULL, day_sent = 0, day_received = 0,
                            version = version + 1, modified_at = now()
     WHERE balance <> 0 OR held <> 0 OR totals_day IS NOT NULL;
    RETURN NULL;
  END IF;
  IF TG_OP = 'UPDATE' AND OLD.status = NEW.status
     AND (OLD.sender, OLD.receiver, OLD.ts, OLD.amount) = (NEW.sender, NEW.receiver, NEW.ts, NEW.amount) THEN
    RETURN NULL;  -- nothing that counts has changed
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN  -- take the old row's effect out
    IF OLD.status = 'success' THEN
      PERFORM pgbank_private.move_money(OLD.sender, OLD.receiver, OLD.ts, -OLD.amount);
    ELSIF OLD.status = 'held' AND OLD.sender <> world THEN  -- the world keeps no balance
      UPDATE pgbank.users SET held = held - OLD.amount, version = version + 1, modified_at = now() WHERE id = OLD.sender;
    END IF;
  END IF;
  IF TG_OP = 'UPDATE' THEN  -- put the new row's effect in
    IF NEW.status = 'success' THEN
      PERFORM pgbank_private.move_money(NEW.sender, NEW.receiver, NEW.ts, NEW.amount);
    ELSIF NEW.status = 'held' AND NEW.sender <> world THEN
      UPDATE pgbank.users SET held = held + NEW.amount, version = version + 1, modified_at = now() WHERE id = NEW.sender;
      IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = '23503', MESSAGE = format('transaction %s: unknown user %L', NEW.id, NEW.sender);
      END IF;
    END IF;
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION pgbank_private.apply_changed_transaction() IS
  'Trigger: keeps pgbank.users balance/held/day totals and pgbank.user_monthly_totals equal to what the transactions say';

-- Row triggers (cloned to every partition); a row only costs a call when it counts. A new row is
-- pgbank_private.apply_new_transaction's (a BEFORE INSERT trigger). Like
-- foreign-key triggers they don't fire under session_replication_role = replica: bulk loaders
-- (pgbank_private.insert_history) and logical-replication subscribers bring the derived rows themselves.
-- Nor for a writer that moves balances set-wise (transfers(), marked in pgbank_private.set_wise_moves),
-- when it sets the rows of its failed items, written 'success', to 'failed'.
CREATE OR REPLACE TRIGGER transactions_rollup_update
  AFTER UPDATE ON pgbank.transactions
  FOR EACH ROW WHEN ((OLD.status IN ('success', 'held') OR NEW.status IN ('success', 'held')) AND NOT pgbank_private.applied_set_wise())
  EXECUTE FUNCTION pgbank_private.apply_changed_transaction();
CREATE OR REPLACE TRIGGER transactions_rollup_delete
  AFTER DELETE ON pgbank.transactions
  FOR EACH ROW WHEN (OLD.status IN ('success', 'held')) EXECUTE FUNCTION pgbank_private.apply_changed_transaction();
CREATE OR REPLACE TRIGGER transactions_rollup_truncate
  AFTER TRUNCATE ON pgbank.transactions
  FOR EACH STATEMENT EXECUTE FUNCTION pgbank_private.apply_changed_transaction();

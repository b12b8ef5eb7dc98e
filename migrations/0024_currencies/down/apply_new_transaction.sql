-- Trigger: a new ledger row moves the balances before it is written; an attempt ('init') becomes 'success' or 'failed' here.
CREATE OR REPLACE FUNCTION pgbank_private.apply_new_transaction()
RETURNS trigger
LANGUAGE plpgsql
AS $$  -- names are schema-qualified: no SET search_path, which costs every call
DECLARE
  attempt boolean := NEW.status = 'init';  -- the API's rows: the funds check is part of the move
  on_day  date;
  why     text;  -- why the attempt failed
BEGIN
  IF NEW.status = 'held' THEN  -- a hold reserves the payer's funds (the world keeps no balance)
    IF NEW.sender <> '00000000-0000-0000-0000-000000000000' THEN
      UPDATE pgbank.users SET held = held + NEW.amount, version = version + 1, modified_at = now() WHERE id = NEW.sender;
      IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = '23503', MESSAGE = format('transaction %s: unknown user %L', NEW.id, NEW.sender);
      END IF;
    END IF;
    RETURN NEW;
  END IF;
  IF NEW.sender = NEW.receiver THEN
    IF NOT attempt THEN
      PERFORM pgbank_private.move_money(NEW.sender, NEW.receiver, NEW.ts, NEW.amount);  -- day totals both ways
      RETURN NEW;
    END IF;
    why := CASE WHEN EXISTS (SELECT FROM pgbank.users WHERE id = NEW.sender) THEN 'same_account' ELSE 'unknown_account' END;
  ELSE
    -- Each account in one statement that locks, checks and moves: for an attempt, the payer's debit
    -- only where it is open and its funds allow, the payee's credit only where it takes credits
    -- (open, or frozen without credits_frozen), in account-id order so two movements never
    -- deadlock. When the payee comes first and the payer then cannot pay, the credit is taken back
    -- (and the debit, when the payer came first and the payee refuses).
    on_day := (NEW.ts AT TIME ZONE 'UTC')::date;
    IF NEW.sender > NEW.receiver AND NEW.receiver <> '00000000-0000-0000-0000-000000000000' THEN  -- the world keeps no balance
      UPDATE pgbank.users
         SET balance = balance + NEW.amount, day_received = day_received + NEW.amount, version = version + 1, modified_at = now()
       WHERE id = NEW.receiver AND totals_day = on_day AND balance <= 999999999999999999.99 - NEW.amount
         AND (NOT attempt OR status = 'open' OR (status = 'frozen' AND NOT credits_frozen));
      IF NOT FOUND THEN
        why := pgbank_private.move_account(NEW.receiver, 0, NEW.amount, NEW.ts, attempt);
      END IF;
    END IF;
    IF why IS NULL AND NEW.sender <> '00000000-0000-0000-0000-000000000000' THEN  -- the world's id is the smallest
      UPDATE pgbank.users
         SET balance = balance - NEW.amount, day_sent = day_sent + NEW.amount, version = version + 1, modified_at = now()
       WHERE id = NEW.sender AND totals_day = on_day
         AND (NOT attempt OR (status = 'open' AND (balance - held - NEW.amount >= lower_limit OR lower_limit IS NULL)));
      IF NOT FOUND THEN
        why := pgbank_private.move_account(NEW.sender, NEW.amount, 0, NEW.ts, attempt);
        IF why IS NOT NULL AND NEW.sender > NEW.receiver AND NEW.receiver <> '00000000-0000-0000-0000-000000000000' THEN
          PERFORM pgbank_private.take_back(NEW.receiver, 0, NEW.amount, NEW.ts);
        END IF;
      END IF;
    END IF;
    IF why IS NULL AND NEW.sender < NEW.receiver THEN
      UPDATE pgbank.users
         SET balance = balance + NEW.amount, day_received = day_received + NEW.amount, version = version + 1, modified_at = now()
       WHERE id = NEW.receiver AND totals_day = on_day AND balance <= 999999999999999999.99 - NEW.amount
         AND (NOT attempt OR status = 'open' OR (status = 'frozen' AND NOT credits_frozen));
      IF NOT FOUND THEN
        why := pgbank_private.move_account(NEW.receiver, 0, NEW.amount, NEW.ts, attempt);
        IF why IS NOT NULL AND NEW.sender <> '00000000-0000-0000-0000-000000000000' THEN
          PERFORM pgbank_private.take_back(NEW.sender, NEW.amount, 0, NEW.ts);
        END IF;
      END IF;
    END IF;
    -- The reason is the first of unknown_account > account_closed/account_frozen (payer, then
    -- payee) > insufficient_funds, whichever account was met first (only failed attempts get here).
    IF why IS NOT NULL AND why <> 'unknown_account' THEN
      why := pgbank_private.failure_reason(NEW.sender, NEW.receiver, why);
    END IF;
  END IF;
  IF attempt THEN
    NEW.status := CASE WHEN why IS NULL THEN 'success' ELSE 'failed' END;
    NEW.reason := why;
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION pgbank_private.apply_new_transaction() IS
  'Trigger: before a ledger row is written, moves the balances (success), reserves funds (held), or decides an attempt (init) as success or failed with its reason';

-- Cloned to every partition. Like foreign-key triggers it doesn't fire under session_replication_role
-- = replica: bulk loaders (pgbank_private.insert_history) and logical-replication subscribers bring
-- the derived rows themselves; nor for the rows of a writer that moves their balances set-wise
-- (transfers(), marked in pgbank_private.set_wise_moves, which only definer code can write; an
-- attempt never asks). Updates, deletes and TRUNCATE: pgbank_private.apply_changed_transaction.
CREATE OR REPLACE TRIGGER transactions_apply_insert
  BEFORE INSERT ON pgbank.transactions
  FOR EACH ROW WHEN (NEW.status = 'init' OR NEW.status IN ('success', 'held') AND NOT pgbank_private.applied_set_wise())
  EXECUTE FUNCTION pgbank_private.apply_new_transaction();

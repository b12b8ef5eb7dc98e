-- Trigger: a new ledger row moves the balances before it is written; an attempt ('init') becomes 'success' or 'failed' here.
CREATE OR REPLACE FUNCTION pgbank_private.apply_new_transaction()
RETURNS trigger
LANGUAGE plpgsql
AS $$  -- names are schema-qualified: no SET search_path, which costs every call
DECLARE
  attempt boolean := NEW.status = 'init';  -- the API's rows: the funds check is part of the move
  on_day  date;
  why     text;      -- why the attempt failed
  cur     text;      -- the movement's currency, once an account has moved (or the careful way has read it)
  units   smallint;  -- its minor units: the amount is stored with exactly as many decimals
BEGIN
  IF NEW.status = 'held' THEN  -- a hold reserves the payer's funds (the world keeps no balance)
    IF NEW.sender <> '00000000-0000-0000-0000-000000000000' THEN
      SELECT r.why, r.currency, r.minor_units INTO why, cur, units
        FROM pgbank_private.currency_rule(NEW.sender, NEW.receiver, NEW.amount, false) r;
      NEW.amount := coalesce(round(NEW.amount, units), NEW.amount);
      UPDATE pgbank.users SET held = held + NEW.amount, version = version + 1, modified_at = now() WHERE id = NEW.sender;
      IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = '23503', MESSAGE = format('transaction %s: unknown user %L', NEW.id, NEW.sender);
      END IF;
    END IF;
    RETURN NEW;
  END IF;
  IF NEW.sender = NEW.receiver THEN  -- its decimals are checked all the same
    SELECT r.minor_units INTO units FROM pgbank_private.currency_rule(NEW.sender, NEW.receiver, NEW.amount, attempt) r;
    NEW.amount := coalesce(round(NEW.amount, units), NEW.amount);
    IF NOT attempt THEN
      PERFORM pgbank_private.move_money(NEW.sender, NEW.receiver, NEW.ts, NEW.amount);  -- day totals both ways
      RETURN NEW;
    END IF;
    why := CASE WHEN EXISTS (SELECT FROM pgbank.users WHERE id = NEW.sender) THEN 'same_account' ELSE 'unknown_account' END;
  ELSE
    on_day := (NEW.ts AT TIME ZONE 'UTC')::date;
    -- The careful way (direct writes, the world, and an attempt transfer()'s two-account UPDATE did
    -- not move: then transfer() holds the first account's lock already, so the id order still holds):
    -- each account in one statement that locks, checks and moves: for an attempt, the payer's debit
    -- only where it is open and its funds allow, the payee's credit only where it takes credits
    -- (open, or frozen without credits_frozen), in account-id order so two movements never
    -- deadlock. When the payee comes first and the payer then cannot pay, the credit is taken back
    -- (and the debit, when the payer came first and the payee refuses).
    -- The currency rule is part of the same statements: the first account moved must take the
    -- amount's decimals (its minor_units), the second must have the first's currency; each adds the
    -- amount at its own scale, so a balance keeps its currency's decimals. When a statement finds
    -- no row, currency_rule names the currency's part of why (22023, currency_mismatch) first.
    IF NEW.sender > NEW.receiver AND NEW.receiver <> '00000000-0000-0000-0000-000000000000' THEN  -- the world keeps no balance
      UPDATE pgbank.users
         SET balance = balance + round(NEW.amount, minor_units), day_received = day_received + round(NEW.amount, minor_units),
             version = version + 1, modified_at = now()
       WHERE id = NEW.receiver AND totals_day = on_day AND balance <= 999999999999999999.99 - NEW.amount
         AND NEW.amount = round(NEW.amount, minor_units)
         AND (NOT attempt OR status = 'open' OR (status = 'frozen' AND NOT credits_frozen))
      RETURNING currency, minor_units INTO cur, units;
      IF NOT FOUND THEN
        SELECT r.why, r.currency, r.minor_units INTO why, cur, units
          FROM pgbank_private.currency_rule(NEW.sender, NEW.receiver, NEW.amount, attempt) r;
        NEW.amount := coalesce(round(NEW.amount, units), NEW.amount);
        IF why IS NULL THEN
          why := pgbank_private.move_account(NEW.receiver, 0, NEW.amount, NEW.ts, attempt);
        END IF;
      ELSIF scale(NEW.amount) <> units THEN
        NEW.amount := round(NEW.amount, units);
      END IF;
    END IF;
    IF why IS NULL AND NEW.sender <> '00000000-0000-0000-0000-000000000000' THEN  -- the world's id is the smallest
      UPDATE pgbank.users
         SET balance = balance - round(NEW.amount, minor_units), day_sent = day_sent + round(NEW.amount, minor_units),
             version = version + 1, modified_at = now()
       WHERE id = NEW.sender AND totals_day = on_day AND currency = coalesce(cur, currency) AND NEW.amount = round(NEW.amount, minor_units)
         AND (NOT attempt OR (status = 'open' AND (balance - held - NEW.amount >= lower_limit OR lower_limit IS NULL)))
      RETURNING currency, minor_units INTO cur, units;
      IF NOT FOUND THEN
        SELECT r.why, r.currency, r.minor_units INTO why, cur, units
          FROM pgbank_private.currency_rule(NEW.sender, NEW.receiver, NEW.amount, attempt) r;
        NEW.amount := coalesce(round(NEW.amount, units), NEW.amount);
        IF why IS NULL THEN
          why := pgbank_private.move_account(NEW.sender, NEW.amount, 0, NEW.ts, attempt);
        END IF;
        IF why IS NOT NULL AND NEW.sender > NEW.receiver AND NEW.receiver <> '00000000-0000-0000-0000-000000000000' THEN
          PERFORM pgbank_private.take_back(NEW.receiver, 0, NEW.amount, NEW.ts);
        END IF;
      ELSIF scale(NEW.amount) <> units THEN
        NEW.amount := round(NEW.amount, units);
      END IF;
    END IF;
    IF why IS NULL AND NEW.sender < NEW.receiver THEN
      UPDATE pgbank.users
         SET balance = balance + round(NEW.amount, minor_units), day_received = day_received + round(NEW.amount, minor_units),
             version = version + 1, modified_at = now()
       WHERE id = NEW.receiver AND totals_day = on_day AND balance <= 999999999999999999.99 - NEW.amount
         AND currency = coalesce(cur, currency) AND NEW.amount = round(NEW.amount, minor_units)
         AND (NOT attempt OR status = 'open' OR (status = 'frozen' AND NOT credits_frozen))
      RETURNING currency, minor_units INTO cur, units;
      IF NOT FOUND THEN
        SELECT r.why, r.currency, r.minor_units INTO why, cur, units
          FROM pgbank_private.currency_rule(NEW.sender, NEW.receiver, NEW.amount, attempt) r;
        NEW.amount := coalesce(round(NEW.amount, units), NEW.amount);
        IF why IS NULL THEN
          why := pgbank_private.move_account(NEW.receiver, 0, NEW.amount, NEW.ts, attempt);
        END IF;
        IF why IS NOT NULL AND NEW.sender <> '00000000-0000-0000-0000-000000000000' THEN
          PERFORM pgbank_private.take_back(NEW.sender, NEW.amount, 0, NEW.ts);
        END IF;
      ELSIF scale(NEW.amount) <> units THEN
        NEW.amount := round(NEW.amount, units);
      END IF;
    END IF;
    -- The reason is the first of unknown_account > account_closed/account_frozen (payer, then
    -- payee) > currency_mismatch > insufficient_funds, whichever account was met first (only failed
    -- attempts get here).
    IF why IS NOT NULL AND why <> 'unknown_account' THEN
      why := pgbank_private.failure_reason(NEW.sender, NEW.receiver, why);
    END IF;
  END IF;
  IF attempt THEN
    IF why IS NOT NULL AND units IS NULL THEN  -- failed before any account was read: the amount's currency
      SELECT r.minor_units INTO units FROM pgbank_private.currency_rule(NEW.sender, NEW.receiver, NEW.amount, true) r;
      NEW.amount := coalesce(round(NEW.amount, units), NEW.amount);
    END IF;
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
-- the derived rows themselves; nor for a row whose writer moved its accounts itself (writer_moved:
-- transfer()'s usual case, every row of transfers(); pgbank_app writes no row directly). Updates,
-- deletes and TRUNCATE: pgbank_private.apply_changed_transaction.
CREATE OR REPLACE TRIGGER transactions_apply_insert
  BEFORE INSERT ON pgbank.transactions
  FOR EACH ROW WHEN (NEW.status = 'init' OR NEW.status IN ('success', 'held') AND NEW.writer_moved IS NOT TRUE)
  EXECUTE FUNCTION pgbank_private.apply_new_transaction();

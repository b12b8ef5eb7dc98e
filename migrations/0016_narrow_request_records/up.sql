-- The transfer path in one statement per account (issue 13). A new ledger row moves the balances in
-- a BEFORE INSERT trigger, pgbank_private.apply_new_transaction: each account in one UPDATE that
-- locks, checks and moves, and an attempt (status 'init', as transfer() and top_up() write it)
-- becomes 'success' or 'failed' there. transfer() and top_up() record a narrow request first (the
-- key a repeat waits on, the transaction id and time) and read a repeat's parameters and outcome
-- back from its ledger row; batches keep recording whole requests. Only constraints change on
-- requests: no row is rewritten. The functions below are as they were at this migration; the
-- functions step (functions/ledger/) keeps them current.

-- Up Migration
ALTER TABLE pgbank.requests
  ALTER COLUMN to_accounts DROP NOT NULL,
  ALTER COLUMN amounts DROP NOT NULL,
  ALTER COLUMN status DROP NOT NULL;
COMMENT ON COLUMN pgbank.requests.status IS
  'success or failed; NULL in a narrow record, whose outcome (and receiver and amount) its ledger row holds';

-- One account's part of a movement, the careful way (the row locked and read first); NULL when moved, else why not.
CREATE OR REPLACE FUNCTION pgbank_private.move_account(account uuid, sent numeric, received numeric, ts timestamptz, checked boolean)
RETURNS text
LANGUAGE plpgsql
AS $$  -- names are schema-qualified: no SET search_path, which costs every call
DECLARE
  on_day date := (ts AT TIME ZONE 'UTC')::date;
  u      pgbank.users;
BEGIN
  SELECT * INTO u FROM pgbank.users x WHERE x.id = account FOR UPDATE;
  IF NOT FOUND THEN
    IF checked THEN
      RETURN 'unknown_account';
    END IF;
    RAISE EXCEPTION USING ERRCODE = '23503', MESSAGE = format('transaction of %s: unknown user %L', received - sent, account);
  END IF;
  -- An attempt (checked) fails where a direct write would break users_within_lower_limit (23514).
  IF checked AND sent > 0 AND u.balance - u.held - sent < u.lower_limit THEN
    RETURN 'insufficient_funds';
  END IF;
  IF received - sent > 0 AND u.balance > pgbank_private.max_balance() - (received - sent) THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('amount %s would take the balance of account %L past %s', received - sent, account, pgbank_private.max_balance()),
      HINT = 'a balance is at most 999,999,999,999,999,999.99';
  END IF;
  IF u.totals_day = on_day THEN  -- the row holds this day's totals already (the callers' fast path missed for another reason)
    UPDATE pgbank.users x
       SET balance = x.balance + received - sent, day_sent = x.day_sent + sent, day_received = x.day_received + received,
           version = x.version + 1, modified_at = now()
     WHERE x.id = account;
  ELSIF (u.totals_day IS NULL OR u.totals_day < on_day) AND on_day <= (now() AT TIME ZONE 'UTC')::date THEN
    -- Its first movement of a later day: the row's day goes to its monthly row. (A row dated in
    -- the future, written directly, goes to its monthly row below: the account row keeps today.)
    PERFORM pgbank_private.add_day_totals(account, u.totals_day, u.day_sent, u.day_received);
    UPDATE pgbank.users x
       SET balance = x.balance + received - sent, totals_day = on_day, day_sent = sent, day_received = received,
           version = x.version + 1, modified_at = now()
     WHERE x.id = account;
  ELSE  -- dated before the row's day (a late row, or one taken back), or in the future: to its monthly row
    UPDATE pgbank.users x SET balance = x.balance + received - sent, version = x.version + 1, modified_at = now()
     WHERE x.id = account;
    PERFORM pgbank_private.add_day_totals(account, on_day, sent, received);
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION pgbank_private.move_account(uuid, numeric, numeric, timestamptz, boolean) IS
  'Helper: moves one account''s part of a movement (balance, version, day or monthly totals) after locking its row; checked: returns unknown_account / insufficient_funds instead of moving';

-- Moves an effective amount (negative: takes it back) from sender to receiver: balances, versions and day totals.
CREATE OR REPLACE FUNCTION pgbank_private.move_money(sender uuid, receiver uuid, ts timestamptz, amount numeric)
RETURNS void
LANGUAGE plpgsql
AS $$  -- names are schema-qualified: no SET search_path, which costs every call
DECLARE
  world    CONSTANT uuid := pgbank_private.world();
  on_day   date := (ts AT TIME ZONE 'UTC')::date;
  account  uuid;
  sent     numeric;  -- this account's part of the movement
  received numeric;
BEGIN
  -- Accounts in id order (once when sender = receiver), so two writers never lock the same two in
  -- opposite orders. The world keeps no balance nor totals: every top-up would queue on its row.
  FOREACH account IN ARRAY CASE WHEN sender = receiver THEN ARRAY[sender]
                                ELSE ARRAY[least(sender, receiver), greatest(sender, receiver)] END LOOP
    CONTINUE WHEN account = world;
    sent := CASE WHEN account = sender THEN amount ELSE 0 END;
    received := CASE WHEN account = receiver THEN amount ELSE 0 END;
    -- Almost always the account has moved money on this day already, and its row holds the day's
    -- totals: one statement for the balance and the totals.
    UPDATE pgbank.users u
       SET balance = u.balance + received - sent, day_sent = u.day_sent + sent, day_received = u.day_received + received,
           version = u.version + 1, modified_at = now()
     WHERE u.id = account AND u.totals_day = on_day;
    CONTINUE WHEN FOUND;
    PERFORM pgbank_private.move_account(account, sent, received, ts, false);
  END LOOP;
END
$$;
COMMENT ON FUNCTION pgbank_private.move_money(uuid, uuid, timestamptz, numeric) IS
  'Helper: moves an effective amount between two accounts (balances, versions, day and monthly totals), in account-id order';

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
    -- Each account in one statement that locks, checks and moves: the payer's debit only where its
    -- funds allow (for an attempt), in account-id order so two movements never deadlock. When the
    -- payee comes first and the payer then cannot pay, the payee's credit is taken back.
    on_day := (NEW.ts AT TIME ZONE 'UTC')::date;
    IF NEW.sender > NEW.receiver AND NEW.receiver <> '00000000-0000-0000-0000-000000000000' THEN  -- the world keeps no balance
      UPDATE pgbank.users
         SET balance = balance + NEW.amount, day_received = day_received + NEW.amount, version = version + 1, modified_at = now()
       WHERE id = NEW.receiver AND totals_day = on_day AND balance <= 999999999999999999.99 - NEW.amount;
      IF NOT FOUND THEN
        why := pgbank_private.move_account(NEW.receiver, 0, NEW.amount, NEW.ts, attempt);
      END IF;
    END IF;
    IF why IS NULL AND NEW.sender <> '00000000-0000-0000-0000-000000000000' THEN  -- the world's id is the smallest
      UPDATE pgbank.users
         SET balance = balance - NEW.amount, day_sent = day_sent + NEW.amount, version = version + 1, modified_at = now()
       WHERE id = NEW.sender AND totals_day = on_day AND (NOT attempt OR balance - held - NEW.amount >= lower_limit OR lower_limit IS NULL);
      IF NOT FOUND THEN
        why := pgbank_private.move_account(NEW.sender, NEW.amount, 0, NEW.ts, attempt);
        IF why IS NOT NULL AND NEW.sender > NEW.receiver AND NEW.receiver <> '00000000-0000-0000-0000-000000000000' THEN
          PERFORM pgbank_private.move_account(NEW.receiver, 0, -NEW.amount, NEW.ts, false);
        END IF;
      END IF;
    END IF;
    IF why IS NULL AND NEW.sender < NEW.receiver THEN
      UPDATE pgbank.users
         SET balance = balance + NEW.amount, day_received = day_received + NEW.amount, version = version + 1, modified_at = now()
       WHERE id = NEW.receiver AND totals_day = on_day AND balance <= 999999999999999999.99 - NEW.amount;
      IF NOT FOUND THEN
        why := pgbank_private.move_account(NEW.receiver, 0, NEW.amount, NEW.ts, attempt);
        IF why IS NOT NULL AND NEW.sender <> '00000000-0000-0000-0000-000000000000' THEN
          PERFORM pgbank_private.move_account(NEW.sender, -NEW.amount, 0, NEW.ts, false);
        END IF;
      END IF;
    END IF;
    -- An unknown account is the reason before insufficient funds, whichever was met first.
    IF why = 'insufficient_funds' AND NOT EXISTS (SELECT FROM pgbank.users WHERE id = NEW.receiver) THEN
      why := 'unknown_account';
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
-- the derived rows themselves. Updates, deletes and TRUNCATE: pgbank_private.rollup_transaction.
CREATE OR REPLACE TRIGGER transactions_apply_insert
  BEFORE INSERT ON pgbank.transactions
  FOR EACH ROW WHEN (NEW.status IN ('init', 'success', 'held')) EXECUTE FUNCTION pgbank_private.apply_new_transaction();
-- It replaces the AFTER INSERT trigger of pgbank_private.rollup_transaction (before migration 0016).
DROP TRIGGER IF EXISTS transactions_rollup_insert ON pgbank.transactions;

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
  row_day  date;     -- the day the account's row holds totals of, and those totals
  row_sent numeric;
  row_received numeric;
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
    SELECT u.totals_day, u.day_sent, u.day_received INTO row_day, row_sent, row_received
      FROM pgbank.users u WHERE u.id = account FOR UPDATE;
    IF NOT FOUND THEN
      RAISE EXCEPTION USING ERRCODE = '23503', MESSAGE = format('transaction from %L to %L: unknown user %L', sender, receiver, account);
    END IF;
    IF (row_day IS NULL OR row_day < on_day) AND on_day <= (now() AT TIME ZONE 'UTC')::date THEN
      -- Its first movement of a later day: the row's day goes to its monthly row. (A row dated in
      -- the future, written directly, goes to its monthly row below: the account row keeps today.)
      PERFORM pgbank_private.add_day_totals(account, row_day, row_sent, row_received);
      UPDATE pgbank.users u
         SET balance = u.balance + received - sent, totals_day = on_day, day_sent = sent, day_received = received,
             version = u.version + 1, modified_at = now()
       WHERE u.id = account;
    ELSE  -- dated before the row's day (a late row, or one taken back), or in the future: to its monthly row
      UPDATE pgbank.users u SET balance = u.balance + received - sent, version = u.version + 1, modified_at = now()
       WHERE u.id = account;
      PERFORM pgbank_private.add_day_totals(account, on_day, sent, received);
    END IF;
  END LOOP;
END
$$;
COMMENT ON FUNCTION pgbank_private.move_money(uuid, uuid, timestamptz, numeric) IS
  'Helper: moves an effective amount between two accounts (balances, versions, day and monthly totals), in account-id order';

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
       SET balance = u.balance + round(received, u.minor_units) - round(sent, u.minor_units),
           day_sent = u.day_sent + round(sent, u.minor_units), day_received = u.day_received + round(received, u.minor_units),
           version = u.version + 1, modified_at = now()
     WHERE u.id = account AND u.totals_day = on_day;
    CONTINUE WHEN FOUND;
    PERFORM pgbank_private.move_account(account, sent, received, ts, false);
  END LOOP;
END
$$;
COMMENT ON FUNCTION pgbank_private.move_money(uuid, uuid, timestamptz, numeric) IS
  'Helper: moves an effective amount between two accounts (balances, versions, day and monthly totals), in account-id order';

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
  -- At the account's scale (the caller checked the decimals: currency_rule), so the balance keeps its currency's.
  sent := round(sent, u.minor_units);
  received := round(received, u.minor_units);
  IF checked THEN
    -- An attempt fails on an account that refuses the movement (frozen: debits, and credits when
    -- credits_frozen; closed: both), then where a direct write would break users_within_lower_limit (23514).
    IF sent > 0 AND u.status <> 'open' OR received > 0 AND (u.status = 'closed' OR u.status = 'frozen' AND u.credits_frozen) THEN
      RETURN 'account_' || u.status;
    END IF;
    IF sent > 0 AND u.balance - u.held - sent < u.lower_limit THEN
      RETURN 'insufficient_funds';
    END IF;
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
  'Helper: moves one account''s part of a movement (balance, version, day or monthly totals) after locking its row; checked: returns unknown_account / account_closed / account_frozen / insufficient_funds instead of moving';

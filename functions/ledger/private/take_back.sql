-- Takes back one account's part of a movement made earlier in the same call (transfer() or the insert trigger), when the other account refused it.
CREATE OR REPLACE FUNCTION pgbank_private.take_back(account uuid, sent numeric, received numeric, ts timestamptz)
RETURNS void
LANGUAGE plpgsql
AS $$  -- names are schema-qualified: no SET search_path, which costs every call
DECLARE
  on_day date := (ts AT TIME ZONE 'UTC')::date;
BEGIN
  SELECT round(take_back.sent, x.minor_units), round(take_back.received, x.minor_units) INTO sent, received
    FROM pgbank.users x WHERE x.id = account;  -- at the account's scale, as they were moved
  -- The row as it was, version included: a change event reader (src/events/decode.ts) knows a
  -- version that goes back as a take-back and publishes neither change.
  UPDATE pgbank.users x
     SET balance = x.balance + sent - received, day_sent = x.day_sent - sent, day_received = x.day_received - received,
         version = x.version - 1
   WHERE x.id = account AND x.totals_day = on_day;
  IF NOT FOUND THEN  -- the movement went to the account's monthly row (dated before its day, or in the future)
    UPDATE pgbank.users x SET balance = x.balance + sent - received, version = x.version - 1 WHERE x.id = account;
    PERFORM pgbank_private.add_day_totals(account, on_day, -sent, -received);
  END IF;
END
$$;
COMMENT ON FUNCTION pgbank_private.take_back(uuid, numeric, numeric, timestamptz) IS
  'Helper: undoes one account''s part of a movement of this trigger call (balance, day or monthly totals, version) when the other account refused it';

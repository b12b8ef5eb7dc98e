-- Adds one effective transaction (amount < 0 takes it out) to its sender's and receiver's monthly totals.
CREATE OR REPLACE FUNCTION pgbank_private.add_to_monthly_totals(sender uuid, receiver uuid, ts timestamptz, amount numeric)
RETURNS void
LANGUAGE plpgsql
SET search_path = pgbank, pg_temp
AS $$
DECLARE
  utc   timestamp := ts AT TIME ZONE 'UTC';
  m     date := date_trunc('month', utc)::date;
  d     int := extract(day FROM utc)::int;
  zeros numeric[] := array_fill(0::numeric, ARRAY[31]);
  days  numeric[] := zeros;
BEGIN
  days[d] := amount;
  -- The smaller user id first, so two statements never lock the same two rows in opposite orders.
  IF sender <= receiver THEN
    INSERT INTO user_monthly_totals AS t (user_id, month, sent, received, sent_days, received_days)
    VALUES (sender, m, amount, 0, days, zeros)
    ON CONFLICT (user_id, month) DO UPDATE SET sent = t.sent + amount, sent_days[d] = t.sent_days[d] + amount;
  END IF;
  INSERT INTO user_monthly_totals AS t (user_id, month, sent, received, sent_days, received_days)
  VALUES (receiver, m, 0, amount, zeros, days)
  ON CONFLICT (user_id, month) DO UPDATE SET received = t.received + amount, received_days[d] = t.received_days[d] + amount;
  IF sender > receiver THEN
    INSERT INTO user_monthly_totals AS t (user_id, month, sent, received, sent_days, received_days)
    VALUES (sender, m, amount, 0, days, zeros)
    ON CONFLICT (user_id, month) DO UPDATE SET sent = t.sent + amount, sent_days[d] = t.sent_days[d] + amount;
  END IF;
END
$$;
COMMENT ON FUNCTION pgbank_private.add_to_monthly_totals(uuid, uuid, timestamptz, numeric) IS
  'Helper: adds a signed amount to the sender''s sent and the receiver''s received totals of its UTC month and day';

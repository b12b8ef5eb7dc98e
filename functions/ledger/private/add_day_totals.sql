-- Adds what an account sent and received on one UTC day to its monthly row (made, days zero-filled, when new).
CREATE OR REPLACE FUNCTION pgbank_private.add_day_totals(account uuid, on_day date, sent_amount numeric, received_amount numeric)
RETURNS void
LANGUAGE plpgsql
AS $$  -- names are schema-qualified: no SET search_path, which costs every call
DECLARE
  d             int := extract(day FROM on_day)::int;
  sent_days     numeric[] := array_fill(0::numeric, ARRAY[31]);
  received_days numeric[] := array_fill(0::numeric, ARRAY[31]);
BEGIN
  IF on_day IS NULL OR (sent_amount = 0 AND received_amount = 0) THEN
    RETURN;
  END IF;
  sent_days[d] := sent_amount;
  received_days[d] := received_amount;
  INSERT INTO pgbank.user_monthly_totals AS t (user_id, month, sent, received, sent_days, received_days)
  VALUES (account, date_trunc('month', on_day::timestamp)::date, sent_amount, received_amount, sent_days, received_days)
  ON CONFLICT (user_id, month) DO UPDATE
     SET sent = t.sent + sent_amount, received = t.received + received_amount,
         sent_days[d] = t.sent_days[d] + sent_amount, received_days[d] = t.received_days[d] + received_amount;
END
$$;
COMMENT ON FUNCTION pgbank_private.add_day_totals(uuid, date, numeric, numeric) IS
  'Helper: adds an account''s sent and received of one UTC day to its row in pgbank.user_monthly_totals';

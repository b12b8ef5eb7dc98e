-- Moves an effective amount (negative: takes it back) from sender to receiver: balances, versions and monthly totals.
CREATE OR REPLACE FUNCTION pgbank_private.move_money(sender uuid, receiver uuid, ts timestamptz, amount numeric)
RETURNS void
LANGUAGE plpgsql
AS $$  -- names are schema-qualified: no SET search_path, which costs every call
DECLARE
  world     CONSTANT uuid := pgbank_private.world();
  first_id  uuid := least(sender, receiver);
  second_id uuid := greatest(sender, receiver);
  utc       timestamp := ts AT TIME ZONE 'UTC';
  m         date := date_trunc('month', utc)::date;
  d         int := extract(day FROM utc)::int;
  zeros     numeric[];  -- a new month's row: 0 every day,
  days      numeric[];  -- but the row's day
BEGIN
  -- Accounts in id order, so two writers never lock the same two in opposite orders. The world
  -- account (the smallest id, made by the first ledger migration) keeps no balance: every top-up
  -- would queue on its row.
  IF first_id <> world THEN
    UPDATE pgbank.users u SET balance = u.balance + CASE WHEN sender = receiver THEN 0 WHEN u.id = sender THEN -amount ELSE amount END,
                       version = u.version + 1, modified_at = now()
     WHERE u.id = first_id;
    IF NOT FOUND THEN
      RAISE EXCEPTION USING ERRCODE = '23503', MESSAGE = format('transaction from %L to %L: unknown user %L', sender, receiver, first_id);
    END IF;
  END IF;
  IF second_id <> first_id THEN
    UPDATE pgbank.users u SET balance = u.balance + CASE WHEN u.id = sender THEN -amount ELSE amount END,
                       version = u.version + 1, modified_at = now()
     WHERE u.id = second_id;
    IF NOT FOUND THEN
      RAISE EXCEPTION USING ERRCODE = '23503', MESSAGE = format('transaction from %L to %L: unknown user %L', sender, receiver, second_id);
    END IF;
  END IF;

  -- Monthly totals: the sender's sent and the receiver's received, of the row's UTC month and
  -- day. Single-row statements, their order free: both users' rows are locked above. The month's
  -- row almost always exists, and a plain UPDATE costs less than an upsert (which locks the row
  -- before it updates it). The world keeps no totals (nor a balance): every top-up would queue
  -- on its row.
  IF sender <> world THEN
    UPDATE pgbank.user_monthly_totals t SET sent = t.sent + amount, sent_days[d] = t.sent_days[d] + amount
     WHERE t.user_id = sender AND t.month = m;
    IF NOT FOUND THEN
      zeros := array_fill(0::numeric, ARRAY[31]);
      days := zeros;
      days[d] := amount;
      INSERT INTO pgbank.user_monthly_totals AS t (user_id, month, sent, received, sent_days, received_days)
      VALUES (sender, m, amount, 0, days, zeros)
      ON CONFLICT (user_id, month) DO UPDATE SET sent = t.sent + amount, sent_days[d] = t.sent_days[d] + amount;
    END IF;
  END IF;
  IF receiver <> world THEN
    UPDATE pgbank.user_monthly_totals t SET received = t.received + amount, received_days[d] = t.received_days[d] + amount
     WHERE t.user_id = receiver AND t.month = m;
    IF NOT FOUND THEN
      zeros := array_fill(0::numeric, ARRAY[31]);
      days := zeros;
      days[d] := amount;
      INSERT INTO pgbank.user_monthly_totals AS t (user_id, month, sent, received, sent_days, received_days)
      VALUES (receiver, m, 0, amount, zeros, days)
      ON CONFLICT (user_id, month) DO UPDATE SET received = t.received + amount, received_days[d] = t.received_days[d] + amount;
    END IF;
  END IF;
END
$$;
COMMENT ON FUNCTION pgbank_private.move_money(uuid, uuid, timestamptz, numeric) IS
  'Helper: moves an effective amount between two accounts (balances, versions, monthly totals), in account-id order';

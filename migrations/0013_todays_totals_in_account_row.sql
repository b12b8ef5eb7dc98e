-- An account's totals for the UTC day of its latest movement live in its own row, which every
-- transfer updates anyway: two statements fewer per transfer than updating the monthly rows.
-- A day's totals are user_monthly_totals' day plus the row's day_* when totals_day is that day;
-- an account's first movement on a later day moves the row's day into its monthly row.

-- Up Migration
ALTER TABLE pgbank.users
  ADD COLUMN totals_day   date,                           -- the UTC day day_sent/day_received belong to
  ADD COLUMN day_sent     numeric NOT NULL DEFAULT 0,
  ADD COLUMN day_received numeric NOT NULL DEFAULT 0;
COMMENT ON COLUMN pgbank.users.totals_day IS
  'UTC day of day_sent/day_received: effective transactions of that day not (yet) in pgbank.user_monthly_totals (kept by trigger)';

-- Down Migration
-- No movement may change a day's totals while they move (the lock holds to the end).
LOCK TABLE pgbank.users IN EXCLUSIVE MODE;
-- Move each account's day into its monthly row, with the helper the ledger trigger uses for it
-- (it makes the month's row, days zero-filled, when there is none; dropped just below).
SELECT pgbank_private.add_day_totals(u.id, u.totals_day, u.day_sent, u.day_received)
  FROM pgbank.users u
 WHERE u.totals_day IS NOT NULL;

-- The functions as they were before this migration (the functions step only runs after an Up):
-- today's read and write the columns dropped below.
DROP FUNCTION pgbank_private.add_day_totals(uuid, date, numeric, numeric);

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

-- Trigger: a transaction moves balances and monthly totals while it is 'success', and reserves the payer's funds while 'held'.
CREATE OR REPLACE FUNCTION pgbank_private.rollup_transaction()
RETURNS trigger
LANGUAGE plpgsql
AS $$  -- names are schema-qualified: no SET search_path, which costs every call
DECLARE
  world CONSTANT uuid := pgbank_private.world();
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    TRUNCATE pgbank.user_monthly_totals;
    UPDATE pgbank.users SET balance = 0, held = 0, version = version + 1, modified_at = now() WHERE balance <> 0 OR held <> 0;
    RETURN NULL;
  END IF;
  IF TG_OP = 'UPDATE' AND OLD.status = NEW.status
     AND (OLD.sender, OLD.receiver, OLD.ts, OLD.amount) = (NEW.sender, NEW.receiver, NEW.ts, NEW.amount) THEN
    RETURN NULL;  -- nothing that counts has changed
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN  -- take the old row's effect out
    IF OLD.status = 'success' THEN
      PERFORM pgbank_private.move_money(OLD.sender, OLD.receiver, OLD.ts, -OLD.amount);
    ELSIF OLD.status = 'held' AND OLD.sender <> world THEN  -- the world keeps no balance
      UPDATE pgbank.users SET held = held - OLD.amount, version = version + 1, modified_at = now() WHERE id = OLD.sender;
    END IF;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN  -- put the new row's effect in
    IF NEW.status = 'success' THEN
      PERFORM pgbank_private.move_money(NEW.sender, NEW.receiver, NEW.ts, NEW.amount);
    ELSIF NEW.status = 'held' AND NEW.sender <> world THEN
      UPDATE pgbank.users SET held = held + NEW.amount, version = version + 1, modified_at = now() WHERE id = NEW.sender;
      IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = '23503', MESSAGE = format('transaction %s: unknown user %L', NEW.id, NEW.sender);
      END IF;
    END IF;
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION pgbank_private.rollup_transaction() IS
  'Trigger: keeps pgbank.users balance/held and pgbank.user_monthly_totals equal to what the transactions say';

-- Row triggers (cloned to every partition); a row only costs a call when it counts. Like
-- foreign-key triggers they don't fire under session_replication_role = replica: bulk loaders
-- (pgbank_private.insert_history) and logical-replication subscribers bring the derived rows themselves.
CREATE OR REPLACE TRIGGER transactions_rollup_insert
  AFTER INSERT ON pgbank.transactions
  FOR EACH ROW WHEN (NEW.status IN ('success', 'held')) EXECUTE FUNCTION pgbank_private.rollup_transaction();
CREATE OR REPLACE TRIGGER transactions_rollup_update
  AFTER UPDATE ON pgbank.transactions
  FOR EACH ROW WHEN (OLD.status IN ('success', 'held') OR NEW.status IN ('success', 'held'))
  EXECUTE FUNCTION pgbank_private.rollup_transaction();
CREATE OR REPLACE TRIGGER transactions_rollup_delete
  AFTER DELETE ON pgbank.transactions
  FOR EACH ROW WHEN (OLD.status IN ('success', 'held')) EXECUTE FUNCTION pgbank_private.rollup_transaction();
CREATE OR REPLACE TRIGGER transactions_rollup_truncate
  AFTER TRUNCATE ON pgbank.transactions
  FOR EACH STATEMENT EXECUTE FUNCTION pgbank_private.rollup_transaction();

-- Exact sum of a user's effective transactions in [ts_start, ts_end) (UTC): monthly totals for whole days, day partitions for the rest.
CREATE OR REPLACE FUNCTION pgbank_private.sum_window(v_user uuid, ts_start timestamp, ts_end timestamp, v_dir text)
RETURNS numeric
LANGUAGE plpgsql
STABLE
SET search_path = pgbank, pg_temp
AS $$
DECLARE
  -- Whole UTC days inside the window are [first_day, end_day): they come from the monthly
  -- totals. What is left is the part of ts_start's day before first_day (left edge) and the part
  -- of end_day before ts_end (right edge): raw rows, read from those days' partitions.
  first_day date := CASE WHEN ts_start = date_trunc('day', ts_start) THEN ts_start::date ELSE ts_start::date + 1 END;
  end_day   date := ts_end::date;
  whole     numeric;  -- the whole days
  left_day  numeric;  -- all of ts_start's day, all of end_day: when 0, no row there, so no edge to read
  right_day numeric;
  lo        timestamptz := ts_start AT TIME ZONE 'UTC';
  hi        timestamptz := ts_end AT TIME ZONE 'UTC';
  cut       timestamptz := end_day::timestamp AT TIME ZONE 'UTC';  -- midnight before ts_end
BEGIN
  -- One row per month from ts_start's month to end_day's. A month wholly inside counts its
  -- total; a month cut by the window sums the slice of its days inside.
  SELECT coalesce(sum(CASE WHEN m.month >= first_day AND b.next_month <= end_day THEN x.total
                           WHEN first_day < end_day THEN
                             (SELECT sum(d) FROM unnest(x.days[greatest(first_day, m.month) - m.month + 1
                                                               : least(end_day, b.next_month) - m.month]) AS d)
                      END), 0),
         max(x.days[ts_start::date - m.month + 1]) FILTER (WHERE m.month = date_trunc('month', ts_start)),
         max(x.days[end_day - m.month + 1]) FILTER (WHERE m.month = date_trunc('month', end_day))
    INTO whole, left_day, right_day
    FROM user_monthly_totals m
   CROSS JOIN LATERAL (SELECT (m.month + interval '1 month')::date AS next_month) b
   CROSS JOIN LATERAL (SELECT CASE WHEN v_dir = 'sender' THEN m.sent ELSE m.received END AS total,
                              CASE WHEN v_dir = 'sender' THEN m.sent_days ELSE m.received_days END AS days) x
   WHERE m.user_id = v_user AND m.month >= date_trunc('month', ts_start) AND m.month <= end_day;

  IF first_day >= end_day AND (ts_start::date = ts_end::date OR ts_end = end_day) THEN
    -- Within one day (or up to its end).
    RETURN CASE WHEN coalesce(left_day, 0) = 0 OR lo = hi THEN 0 ELSE pgbank_private.edge_sum(v_user, v_dir, lo, hi) END;
  ELSIF first_day >= end_day THEN
    -- Across one midnight: two edges.
    lo := CASE WHEN coalesce(left_day, 0) <> 0 THEN lo END;
    hi := CASE WHEN coalesce(right_day, 0) <> 0 THEN hi END;
  ELSE
    lo := CASE WHEN ts_start < first_day AND coalesce(left_day, 0) <> 0 THEN lo END;
    hi := CASE WHEN ts_end > end_day AND coalesce(right_day, 0) <> 0 THEN hi END;
  END IF;
  RETURN whole + CASE
    WHEN lo IS NOT NULL AND hi IS NOT NULL
      THEN pgbank_private.edge_sum(v_user, v_dir, lo, first_day::timestamp AT TIME ZONE 'UTC', cut, hi)
    WHEN lo IS NOT NULL THEN pgbank_private.edge_sum(v_user, v_dir, lo, first_day::timestamp AT TIME ZONE 'UTC')
    WHEN hi IS NOT NULL THEN pgbank_private.edge_sum(v_user, v_dir, cut, hi)
    ELSE 0 END;
END
$$;
COMMENT ON FUNCTION pgbank_private.sum_window(uuid, timestamp, timestamp, text) IS
  'Helper: a user''s effective transactions as ''sender'' or ''receiver'' in [ts_start, ts_end), UTC, unchecked arguments';

-- Lists every (user, day) where the stored monthly totals differ from the transactions; empty when all is well.
CREATE OR REPLACE FUNCTION pgbank_private.verify_monthly_totals()
RETURNS TABLE (user_id uuid, day date, stored_sent numeric, actual_sent numeric,
               stored_received numeric, actual_received numeric)
LANGUAGE sql
STABLE
SET search_path = pgbank, pg_temp
AS $$
  -- Independent of how the totals were written: unpack the stored days, sum the raw rows, compare.
  WITH stored AS (
    SELECT m.user_id, m.month + (x.i::int - 1) AS day, x.sent, x.received
      FROM user_monthly_totals m
     CROSS JOIN LATERAL unnest(m.sent_days, m.received_days) WITH ORDINALITY AS x(sent, received, i)
     WHERE x.sent <> 0 OR x.received <> 0
  ), actual AS (
    SELECT c.user_id, c.day, sum(c.sent) AS sent, sum(c.received) AS received
      FROM transactions t
     CROSS JOIN LATERAL (VALUES (t.sender,   (t.ts AT TIME ZONE 'UTC')::date, t.amount, 0::numeric),
                                (t.receiver, (t.ts AT TIME ZONE 'UTC')::date, 0::numeric, t.amount))
           AS c (user_id, day, sent, received)
     WHERE t.status = 'success' AND c.user_id <> pgbank_private.world()  -- the world keeps no totals
     GROUP BY 1, 2
  ), month_sums AS (  -- a month's totals must equal the sum of its days
    SELECT m.user_id, m.month
      FROM user_monthly_totals m
     WHERE m.sent <> (SELECT sum(x) FROM unnest(m.sent_days) x)
        OR m.received <> (SELECT sum(x) FROM unnest(m.received_days) x)
  )
  SELECT coalesce(s.user_id, a.user_id), coalesce(s.day, a.day),
         coalesce(s.sent, 0), coalesce(a.sent, 0), coalesce(s.received, 0), coalesce(a.received, 0)
    FROM stored s
    FULL JOIN actual a ON a.user_id = s.user_id AND a.day = s.day
   WHERE coalesce(s.sent, 0) <> coalesce(a.sent, 0) OR coalesce(s.received, 0) <> coalesce(a.received, 0)
  UNION ALL
  SELECT ms.user_id, ms.month, NULL, NULL, NULL, NULL FROM month_sums ms
   ORDER BY 1, 2
$$;
COMMENT ON FUNCTION pgbank_private.verify_monthly_totals() IS
  'Audit: (user, day) where pgbank.user_monthly_totals differs from the transactions (NULL amounts: a month total differs from its days); empty when exact';

ALTER TABLE pgbank.users DROP COLUMN totals_day, DROP COLUMN day_sent, DROP COLUMN day_received;

CREATE SCHEMA pgbank;

ALTER SCHEMA pgbank OWNER TO postgres;

COMMENT ON SCHEMA pgbank IS 'pgbank: tables and the API functions callers use';

CREATE SCHEMA pgbank_private;

ALTER SCHEMA pgbank_private OWNER TO postgres;

COMMENT ON SCHEMA pgbank_private IS 'pgbank helpers: trigger functions and maintenance, never granted';

CREATE FUNCTION pgbank.sum_amount(user_id uuid, ts_start timestamp without time zone, ts_end timestamp without time zone, direction text, OUT sum_amount numeric, OUT response_time_seconds double precision) RETURNS record
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pgbank', 'pg_temp'
    AS $_$
DECLARE
  started   timestamptz := clock_timestamp();
  v_user    uuid := $1;
  v_dir     text := $4;
  -- Whole UTC days inside the window are [first_day, end_day): they come from the monthly
  -- totals; the partial days at each end come from their day partition.
  first_day date := CASE WHEN ts_start = date_trunc('day', ts_start) THEN ts_start::date ELSE ts_start::date + 1 END;
  end_day   date := ts_end::date;
  total     numeric := 0;
BEGIN
  IF v_user IS NULL OR ts_start IS NULL OR ts_end IS NULL OR v_dir IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22004',
      MESSAGE = format('sum_amount: %s must not be NULL',
        concat_ws(', ', CASE WHEN v_user IS NULL THEN 'user_id' END, CASE WHEN ts_start IS NULL THEN 'ts_start' END,
                        CASE WHEN ts_end IS NULL THEN 'ts_end' END, CASE WHEN v_dir IS NULL THEN 'direction' END));
  END IF;
  IF v_dir NOT IN ('sender', 'receiver') THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('sum_amount: unknown direction %L', v_dir),
      HINT = 'direction is ''sender'' or ''receiver''';
  END IF;
  IF ts_start > ts_end THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('sum_amount: ts_start %L is after ts_end %L', ts_start, ts_end),
      HINT = 'the window is [ts_start, ts_end), so ts_start <= ts_end';
  END IF;
  IF NOT EXISTS (SELECT FROM users u WHERE u.id = v_user) THEN
    RAISE EXCEPTION USING ERRCODE = 'P0002', MESSAGE = format('sum_amount: unknown user %L', v_user);
  END IF;

  -- The partial days at the ends (at most two, each within one UTC day) come from their partitions.
  IF first_day >= end_day AND (ts_start::date = ts_end::date OR ts_end = date_trunc('day', ts_end)) THEN
    total := pgbank_private.edge_sum(v_user, v_dir, ts_start AT TIME ZONE 'UTC', ts_end AT TIME ZONE 'UTC');
  ELSIF first_day >= end_day THEN  -- straddles one midnight
    total := pgbank_private.edge_sum(v_user, v_dir, ts_start AT TIME ZONE 'UTC', end_day::timestamp AT TIME ZONE 'UTC',
                                                    end_day::timestamp AT TIME ZONE 'UTC', ts_end AT TIME ZONE 'UTC');
  ELSIF ts_start < first_day AND ts_end > end_day THEN
    total := pgbank_private.edge_sum(v_user, v_dir, ts_start AT TIME ZONE 'UTC', first_day::timestamp AT TIME ZONE 'UTC',
                                                    end_day::timestamp AT TIME ZONE 'UTC', ts_end AT TIME ZONE 'UTC');
  ELSIF ts_start < first_day THEN
    total := pgbank_private.edge_sum(v_user, v_dir, ts_start AT TIME ZONE 'UTC', first_day::timestamp AT TIME ZONE 'UTC');
  ELSIF ts_end > end_day THEN
    total := pgbank_private.edge_sum(v_user, v_dir, end_day::timestamp AT TIME ZONE 'UTC', ts_end AT TIME ZONE 'UTC');
  END IF;

  IF first_day < end_day THEN
    -- A month wholly inside uses its total; a month cut by the window sums its days in the window.
    SELECT total + coalesce(sum(
             CASE WHEN m.month >= first_day AND b.next_month <= end_day
                  THEN CASE WHEN v_dir = 'sender' THEN m.sent ELSE m.received END
                  ELSE (SELECT sum(x) FROM unnest((CASE WHEN v_dir = 'sender' THEN m.sent_days ELSE m.received_days END)
                          [CASE WHEN first_day > m.month THEN extract(day FROM first_day)::int ELSE 1 END
                           : CASE WHEN end_day < b.next_month THEN extract(day FROM end_day)::int - 1 ELSE 31 END]) AS x)
             END), 0)
      INTO total
      FROM user_monthly_totals m
     CROSS JOIN LATERAL (SELECT (m.month + interval '1 month')::date AS next_month) b
     WHERE m.user_id = v_user AND m.month >= date_trunc('month', first_day) AND m.month < end_day;
  END IF;

  sum_amount := total;
  response_time_seconds := extract(epoch FROM clock_timestamp() - started)::double precision;
END
$_$;

ALTER FUNCTION pgbank.sum_amount(user_id uuid, ts_start timestamp without time zone, ts_end timestamp without time zone, direction text, OUT sum_amount numeric, OUT response_time_seconds double precision) OWNER TO postgres;

COMMENT ON FUNCTION pgbank.sum_amount(user_id uuid, ts_start timestamp without time zone, ts_end timestamp without time zone, direction text, OUT sum_amount numeric, OUT response_time_seconds double precision) IS 'Exact sum of a user''s effective transactions as ''sender'' or ''receiver'' in [ts_start, ts_end), timestamps in UTC; with the database time taken';

CREATE FUNCTION pgbank_private.add_to_monthly_totals(sender uuid, receiver uuid, ts timestamp with time zone, amount numeric) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pgbank', 'pg_temp'
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

ALTER FUNCTION pgbank_private.add_to_monthly_totals(sender uuid, receiver uuid, ts timestamp with time zone, amount numeric) OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.add_to_monthly_totals(sender uuid, receiver uuid, ts timestamp with time zone, amount numeric) IS 'Helper: adds a signed amount to the sender''s sent and the receiver''s received totals of its UTC month and day';

CREATE FUNCTION pgbank_private.edge_sum(user_id uuid, direction text, lo1 timestamp with time zone, hi1 timestamp with time zone, lo2 timestamp with time zone DEFAULT NULL::timestamp with time zone, hi2 timestamp with time zone DEFAULT NULL::timestamp with time zone) RETURNS numeric
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pgbank', 'pg_temp'
    AS $_$
DECLARE
  -- Naming the partition skips planning over the parent's ~1,450 partitions (2-3x faster). With
  -- no partition by the expected name, the parent answers, which is always right.
  -- direction is 'sender' or 'receiver' (checked by the caller), quoted by %I all the same.
  part_sql text := 'SELECT amount FROM %s WHERE %I = $1 AND ts >= $%s AND ts < $%s AND status = ''success''';
  query    text := format(part_sql, coalesce(pgbank_private.partition_for_day((lo1 AT TIME ZONE 'UTC')::date),
                                             'pgbank.transactions'::regclass), direction, 2, 3);
  result   numeric;
BEGIN
  IF lo2 IS NOT NULL THEN
    query := query || ' UNION ALL ' || format(part_sql, coalesce(pgbank_private.partition_for_day((lo2 AT TIME ZONE 'UTC')::date),
                                                                 'pgbank.transactions'::regclass), direction, 4, 5);
  END IF;
  EXECUTE 'SELECT coalesce(sum(amount), 0) FROM (' || query || ') AS edges' INTO result USING user_id, lo1, hi1, lo2, hi2;
  RETURN result;
END
$_$;

ALTER FUNCTION pgbank_private.edge_sum(user_id uuid, direction text, lo1 timestamp with time zone, hi1 timestamp with time zone, lo2 timestamp with time zone, hi2 timestamp with time zone) OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.edge_sum(user_id uuid, direction text, lo1 timestamp with time zone, hi1 timestamp with time zone, lo2 timestamp with time zone, hi2 timestamp with time zone) IS 'Helper: a user''s effective transactions in [lo1, hi1) and [lo2, hi2), each within one UTC day, from those days'' partitions';

CREATE FUNCTION pgbank_private.insert_history(n integer, lo timestamp with time zone, hi timestamp with time zone) RETURNS integer
    LANGUAGE plpgsql
    SET search_path TO 'pgbank', 'pg_temp'
    SET session_replication_role TO 'replica'
    AS $$
DECLARE
  users_count int;
BEGIN
  IF n IS NULL OR n < 0 OR lo IS NULL OR hi IS NULL OR lo >= hi THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('insert_history: need n >= 0 and lo < hi, got n=%s lo=%L hi=%L', n, lo, hi);
  END IF;
  SELECT count(*) INTO users_count FROM users;
  IF n > 0 AND users_count < 2 THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('insert_history: needs 2 users or more, there are %s', users_count);
  END IF;

  -- Rows in time order (spread evenly over [lo, hi)), so the statement fills a few neighbouring
  -- day partitions; log-uniform amounts from 1.00 to 10,000.00.
  WITH picked AS (SELECT array_agg(id ORDER BY id) AS ids FROM users),
  inserted AS (
    INSERT INTO transactions (ts, sender, receiver, amount)
    SELECT lo + (hi - lo) * ((g - 1 + random()) / n),
           p.ids[pick.s], p.ids[1 + (pick.s + pick.r) % users_count],
           round(exp(random() * ln(10000))::numeric, 2)
      FROM picked p, generate_series(1, n) AS g,
           LATERAL (SELECT 1 + floor(random() * users_count)::int AS s,
                           floor(random() * (users_count - 1))::int AS r
                     WHERE g > 0) AS pick  -- WHERE g > 0: draw again for every row
    RETURNING sender, receiver, ts, amount
  ),
  legs AS (  -- each transaction is sent by one user and received by another
    SELECT c.user_id, date_trunc('month', c.day)::date AS month, c.day, c.sent, c.received
      FROM inserted i
     CROSS JOIN LATERAL (VALUES (i.sender,   (i.ts AT TIME ZONE 'UTC')::date, i.amount, 0::numeric),
                                (i.receiver, (i.ts AT TIME ZONE 'UTC')::date, 0::numeric, i.amount))
           AS c (user_id, day, sent, received)
  ),
  per_day AS (
    SELECT l.user_id, l.month, l.day - l.month AS i, sum(l.sent) AS sent, sum(l.received) AS received
      FROM (SELECT user_id, month, day, sent, received FROM legs
            UNION ALL  -- a zero for all 31 days of each month touched, so the arrays come out dense
            SELECT k.user_id, k.month, k.month + g.i, 0, 0
              FROM (SELECT DISTINCT user_id, month FROM legs) AS k, generate_series(0, 30) AS g(i)) AS l
     GROUP BY 1, 2, 3
  )
  INSERT INTO user_monthly_totals AS t (user_id, month, sent, received, sent_days, received_days)
  SELECT user_id, month, sum(sent), sum(received), array_agg(sent ORDER BY i), array_agg(received ORDER BY i)
    FROM per_day
   GROUP BY 1, 2
   ORDER BY 1, 2
  ON CONFLICT (user_id, month) DO UPDATE
     SET sent          = t.sent + excluded.sent,
         received      = t.received + excluded.received,
         sent_days     = ARRAY(SELECT a + b FROM unnest(t.sent_days, excluded.sent_days) WITH ORDINALITY AS x(a, b, i) ORDER BY i),
         received_days = ARRAY(SELECT a + b FROM unnest(t.received_days, excluded.received_days) WITH ORDINALITY AS x(a, b, i) ORDER BY i);
  RETURN n;
END
$$;

ALTER FUNCTION pgbank_private.insert_history(n integer, lo timestamp with time zone, hi timestamp with time zone) OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.insert_history(n integer, lo timestamp with time zone, hi timestamp with time zone) IS 'Seeding: n random effective transactions in [lo, hi) among existing users, with their monthly totals';

CREATE FUNCTION pgbank_private.partition_for_day(day date) RETURNS regclass
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
  -- pg_partman names daily partitions <parent>_pYYYY_MM_DD (part_config.datetime_string);
  -- tests/partitions.test.ts checks every name against its bounds.
  SELECT to_regclass(format('pgbank.%I', 'transactions_p' || to_char(day, 'YYYY_MM_DD')))
$$;

ALTER FUNCTION pgbank_private.partition_for_day(day date) OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.partition_for_day(day date) IS 'Helper: the daily partition of pgbank.transactions holding a UTC day (NULL if missing)';

CREATE FUNCTION pgbank_private.rollup_transaction() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pgbank', 'pg_temp'
    AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    TRUNCATE user_monthly_totals;
    RETURN NULL;
  END IF;
  IF TG_OP = 'UPDATE' AND OLD.status = 'success' AND NEW.status = 'success'
     AND (OLD.sender, OLD.receiver, OLD.ts, OLD.amount) = (NEW.sender, NEW.receiver, NEW.ts, NEW.amount) THEN
    RETURN NULL;  -- nothing that counts has changed
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status = 'success' THEN
    PERFORM pgbank_private.add_to_monthly_totals(OLD.sender, OLD.receiver, OLD.ts, -OLD.amount);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status = 'success' THEN
    -- What counts must name real users (the table has no foreign keys, see migration 0002).
    IF NOT EXISTS (SELECT FROM users WHERE id = NEW.sender) OR NOT EXISTS (SELECT FROM users WHERE id = NEW.receiver) THEN
      RAISE EXCEPTION USING ERRCODE = '23503',
        MESSAGE = format('transaction %s: unknown user %L', NEW.id,
                         CASE WHEN NOT EXISTS (SELECT FROM users WHERE id = NEW.sender) THEN NEW.sender ELSE NEW.receiver END);
    END IF;
    PERFORM pgbank_private.add_to_monthly_totals(NEW.sender, NEW.receiver, NEW.ts, NEW.amount);
  END IF;
  RETURN NULL;
END
$$;

ALTER FUNCTION pgbank_private.rollup_transaction() OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.rollup_transaction() IS 'Trigger: a transaction counts in pgbank.user_monthly_totals while its status is ''success''';

CREATE FUNCTION pgbank_private.run_maintenance() RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pgbank', 'pg_temp'
    SET "TimeZone" TO 'UTC'
    AS $$
BEGIN
  PERFORM partman.run_maintenance(p_parent_table := 'pgbank.transactions', p_analyze := false, p_jobmon := false);
END
$$;

ALTER FUNCTION pgbank_private.run_maintenance() OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.run_maintenance() IS 'pg_cron job: creates the future daily partitions of pgbank.transactions (pg_partman)';

CREATE FUNCTION pgbank_private.verify_monthly_totals() RETURNS TABLE(user_id uuid, day date, stored_sent numeric, actual_sent numeric, stored_received numeric, actual_received numeric)
    LANGUAGE sql STABLE
    SET search_path TO 'pgbank', 'pg_temp'
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
     WHERE t.status = 'success'
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

ALTER FUNCTION pgbank_private.verify_monthly_totals() OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.verify_monthly_totals() IS 'Audit: (user, day) where pgbank.user_monthly_totals differs from the transactions (NULL amounts: a month total differs from its days); empty when exact';

CREATE TABLE pgbank.transactions (
    id bigint NOT NULL,
    ts timestamp with time zone NOT NULL,
    sender uuid NOT NULL,
    receiver uuid NOT NULL,
    amount numeric NOT NULL,
    status text DEFAULT 'success'::text NOT NULL,
    CONSTRAINT transactions_amount_check CHECK (((amount > (0)::numeric) AND (amount <> 'NaN'::numeric) AND (amount <> 'Infinity'::numeric))),
    CONSTRAINT transactions_status_check CHECK ((status = ANY (ARRAY['init'::text, 'success'::text, 'failed'::text, 'held'::text, 'voided'::text, 'expired'::text, 'reversed'::text])))
)
PARTITION BY RANGE (ts);

ALTER TABLE pgbank.transactions OWNER TO postgres;

COMMENT ON TABLE pgbank.transactions IS 'Every money movement; only status ''success'' rows count in sums and balances';

ALTER TABLE pgbank.transactions ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME pgbank.transactions_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE pgbank.user_monthly_totals (
    user_id uuid NOT NULL,
    month date NOT NULL,
    sent numeric NOT NULL,
    received numeric NOT NULL,
    sent_days numeric[] NOT NULL,
    received_days numeric[] NOT NULL,
    CONSTRAINT user_monthly_totals_month_check CHECK ((month = date_trunc('month'::text, (month)::timestamp with time zone))),
    CONSTRAINT user_monthly_totals_received_days_check CHECK ((cardinality(received_days) = 31)),
    CONSTRAINT user_monthly_totals_sent_days_check CHECK ((cardinality(sent_days) = 31))
)
WITH (fillfactor='80');

ALTER TABLE pgbank.user_monthly_totals OWNER TO postgres;

COMMENT ON TABLE pgbank.user_monthly_totals IS 'Per user and UTC month: effective transactions sent and received, in all and per day (index = day of month); derived, exact';

CREATE TABLE pgbank.users (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    name text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT users_name_check CHECK ((name <> ''::text))
);

ALTER TABLE pgbank.users OWNER TO postgres;

COMMENT ON TABLE pgbank.users IS 'Account holders: every user can be sender or receiver';

ALTER TABLE ONLY pgbank.transactions
    ADD CONSTRAINT transactions_pkey PRIMARY KEY (sender, ts, id);

ALTER TABLE ONLY pgbank.user_monthly_totals
    ADD CONSTRAINT user_monthly_totals_pkey PRIMARY KEY (user_id, month);

ALTER TABLE ONLY pgbank.users
    ADD CONSTRAINT users_pkey PRIMARY KEY (id);

CREATE INDEX transactions_receiver_ts_idx ON ONLY pgbank.transactions USING btree (receiver, ts);

CREATE INDEX transactions_ts_brin ON ONLY pgbank.transactions USING brin (ts);

CREATE TRIGGER transactions_rollup_delete AFTER DELETE ON pgbank.transactions FOR EACH ROW WHEN ((old.status = 'success'::text)) EXECUTE FUNCTION pgbank_private.rollup_transaction();

CREATE TRIGGER transactions_rollup_insert AFTER INSERT ON pgbank.transactions FOR EACH ROW WHEN ((new.status = 'success'::text)) EXECUTE FUNCTION pgbank_private.rollup_transaction();

CREATE TRIGGER transactions_rollup_truncate AFTER TRUNCATE ON pgbank.transactions FOR EACH STATEMENT EXECUTE FUNCTION pgbank_private.rollup_transaction();

CREATE TRIGGER transactions_rollup_update AFTER UPDATE ON pgbank.transactions FOR EACH ROW WHEN (((old.status = 'success'::text) OR (new.status = 'success'::text))) EXECUTE FUNCTION pgbank_private.rollup_transaction();

GRANT USAGE ON SCHEMA pgbank TO pgbank_app;

REVOKE ALL ON FUNCTION pgbank.sum_amount(user_id uuid, ts_start timestamp without time zone, ts_end timestamp without time zone, direction text, OUT sum_amount numeric, OUT response_time_seconds double precision) FROM PUBLIC;
GRANT ALL ON FUNCTION pgbank.sum_amount(user_id uuid, ts_start timestamp without time zone, ts_end timestamp without time zone, direction text, OUT sum_amount numeric, OUT response_time_seconds double precision) TO pgbank_app;

REVOKE ALL ON FUNCTION pgbank_private.add_to_monthly_totals(sender uuid, receiver uuid, ts timestamp with time zone, amount numeric) FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.edge_sum(user_id uuid, direction text, lo1 timestamp with time zone, hi1 timestamp with time zone, lo2 timestamp with time zone, hi2 timestamp with time zone) FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.insert_history(n integer, lo timestamp with time zone, hi timestamp with time zone) FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.partition_for_day(day date) FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.rollup_transaction() FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.run_maintenance() FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.verify_monthly_totals() FROM PUBLIC;

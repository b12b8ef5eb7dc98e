CREATE SCHEMA pgbank;

ALTER SCHEMA pgbank OWNER TO postgres;

COMMENT ON SCHEMA pgbank IS 'pgbank: tables and the API functions callers use';

CREATE SCHEMA pgbank_private;

ALTER SCHEMA pgbank_private OWNER TO postgres;

COMMENT ON SCHEMA pgbank_private IS 'pgbank helpers: trigger functions and maintenance, never granted';

CREATE TYPE pgbank.account AS (
	id uuid,
	name text,
	balance numeric,
	available numeric,
	held numeric,
	lower_limit numeric,
	version bigint,
	created_at timestamp with time zone,
	modified_at timestamp with time zone,
	status text,
	credits_frozen boolean,
	currency text,
	minor_units smallint
);

ALTER TYPE pgbank.account OWNER TO postgres;

CREATE DOMAIN pgbank.account_status AS text COLLATE pg_catalog."C"
	CONSTRAINT account_status_check CHECK ((VALUE = ANY (ARRAY['open'::text, 'frozen'::text, 'closed'::text])));

ALTER DOMAIN pgbank.account_status OWNER TO postgres;

COMMENT ON DOMAIN pgbank.account_status IS 'open: moves both ways; frozen: no debits (credits unless credits_frozen); closed: nothing, final';

CREATE DOMAIN pgbank.amount AS numeric
	CONSTRAINT amount_is_money CHECK (((VALUE > (0)::numeric) AND (VALUE <= 999999999999999.99) AND (scale(VALUE) <= 4)));

ALTER DOMAIN pgbank.amount OWNER TO postgres;

COMMENT ON DOMAIN pgbank.amount IS 'An amount of money moved: more than 0, at most 999,999,999,999,999.99, at most 4 decimals (its account''s currency allows fewer: the ledger trigger checks)';

CREATE TYPE pgbank.history_entry AS (
	transaction_id bigint,
	ts timestamp with time zone,
	direction text,
	counterparty uuid,
	amount numeric,
	status text,
	reason text,
	balance_after numeric,
	metadata jsonb,
	reverses bigint,
	reversed_by bigint[],
	cursor text
);

ALTER TYPE pgbank.history_entry OWNER TO postgres;

CREATE TYPE pgbank.hold_result AS (
	hold_id uuid,
	status text,
	reason text,
	request_id text,
	transaction_id bigint,
	ts timestamp with time zone,
	from_account uuid,
	to_account uuid,
	amount numeric,
	posted_amount numeric,
	expires_at timestamp with time zone,
	replayed boolean
);

ALTER TYPE pgbank.hold_result OWNER TO postgres;

CREATE DOMAIN pgbank.month_days AS numeric[]
	CONSTRAINT month_days_check CHECK ((cardinality(VALUE) = 31));

ALTER DOMAIN pgbank.month_days OWNER TO postgres;

COMMENT ON DOMAIN pgbank.month_days IS 'One amount per day of a month (index = day of month; days a month lacks stay 0)';

CREATE DOMAIN pgbank.month_start AS date
	CONSTRAINT month_start_check CHECK ((VALUE = date_trunc('month'::text, (VALUE)::timestamp with time zone)));

ALTER DOMAIN pgbank.month_start OWNER TO postgres;

COMMENT ON DOMAIN pgbank.month_start IS 'The first day of a month';

CREATE DOMAIN pgbank.request_key AS text COLLATE pg_catalog."C"
	CONSTRAINT request_key_check CHECK (((VALUE <> ''::text) AND (length(VALUE) <= 200)));

ALTER DOMAIN pgbank.request_key OWNER TO postgres;

COMMENT ON DOMAIN pgbank.request_key IS 'A client''s idempotency key: 1 to 200 characters, compared byte by byte';

CREATE DOMAIN pgbank.request_kind AS text
	CONSTRAINT request_kind_check CHECK ((VALUE = ANY (ARRAY['transfer'::text, 'top_up'::text, 'batch'::text, 'hold'::text, 'reverse'::text])));

ALTER DOMAIN pgbank.request_kind OWNER TO postgres;

CREATE DOMAIN pgbank.request_status AS text
	CONSTRAINT request_status_check CHECK ((VALUE = ANY (ARRAY['success'::text, 'failed'::text])));

ALTER DOMAIN pgbank.request_status OWNER TO postgres;

CREATE TYPE pgbank.reverse_result AS (
	request_id text,
	status text,
	reason text,
	transaction_id bigint,
	ts timestamp with time zone,
	from_account uuid,
	to_account uuid,
	amount numeric,
	reverses bigint,
	replayed boolean
);

ALTER TYPE pgbank.reverse_result OWNER TO postgres;

CREATE TYPE pgbank.transfer_result AS (
	request_id text,
	status text,
	reason text,
	transaction_id bigint,
	ts timestamp with time zone,
	from_account uuid,
	to_account uuid,
	amount numeric,
	replayed boolean
);

ALTER TYPE pgbank.transfer_result OWNER TO postgres;

CREATE FUNCTION pgbank.account_status_changes(account uuid) RETURNS TABLE(id bigint, from_status text, to_status text, credits_frozen boolean, changed_by text, reason text, db_user text, changed_at timestamp with time zone)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pgbank', 'pg_temp'
    AS $$
BEGIN
  IF account IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'account_status_changes: account must not be NULL';
  END IF;
  IF NOT EXISTS (SELECT FROM users u WHERE u.id = account) THEN
    RAISE EXCEPTION USING ERRCODE = 'P0002', MESSAGE = format('account_status_changes: unknown account %L', account);
  END IF;
  RETURN QUERY
    SELECT c.id, c.from_status::text, c.to_status::text, c.credits_frozen, c.changed_by, c.reason, c.db_user, c.changed_at
      FROM account_status_changes c WHERE c.account = account_status_changes.account ORDER BY c.id DESC;
END
$$;

ALTER FUNCTION pgbank.account_status_changes(account uuid) OWNER TO postgres;

COMMENT ON FUNCTION pgbank.account_status_changes(account uuid) IS 'An account''s status changes, newest first: id, from_status, to_status, credits_frozen, changed_by, reason, db_user, changed_at';

CREATE FUNCTION pgbank.balance_at(account uuid, at timestamp with time zone) RETURNS numeric
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pgbank', 'pg_temp'
    AS $$
DECLARE
  upto  timestamp;
  units smallint;  -- the account's currency's minor units: the balance has exactly as many decimals
BEGIN
  IF account IS NULL OR at IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = format('balance_at: %s must not be NULL',
      concat_ws(', ', CASE WHEN account IS NULL THEN 'account' END, CASE WHEN at IS NULL THEN 'at' END));
  END IF;
  SELECT u.minor_units INTO units FROM users u WHERE u.id = account;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'P0002', MESSAGE = format('balance_at: unknown account %L', account);
  ELSIF account = pgbank_private.world() THEN
    RAISE EXCEPTION USING ERRCODE = 'P0002', MESSAGE = format('balance_at: %L is the world account, which keeps no balance', account);
  END IF;
  -- ts <= at is ts < at + 1 µs (timestamps have microsecond resolution); the last representable
  -- moment has no next one, and nothing can be stamped after it.
  upto := CASE WHEN at >= timestamptz '294276-12-31 23:59:59.999999+00' THEN 'infinity'
               ELSE (at AT TIME ZONE 'UTC') + interval '1 microsecond' END;
  RETURN round(pgbank_private.sum_window(account, '-infinity', upto, 'receiver')
              - pgbank_private.sum_window(account, '-infinity', upto, 'sender'), units);
END
$$;

ALTER FUNCTION pgbank.balance_at(account uuid, at timestamp with time zone) OWNER TO postgres;

COMMENT ON FUNCTION pgbank.balance_at(account uuid, at timestamp with time zone) IS 'An account''s balance at a moment: effective transactions stamped at or before it (a posted hold counts from its posting)';

CREATE FUNCTION pgbank.create_account(name text, lower_limit numeric DEFAULT 0, id uuid DEFAULT NULL::uuid, currency text DEFAULT NULL::text) RETURNS pgbank.account
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pgbank', 'pg_temp'
    AS $_$
DECLARE
  new_id uuid;
  code   text;      -- the account's currency
  units  smallint;  -- its minor units
BEGIN
  IF name IS NULL OR lower_limit IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = format('create_account: %s must not be NULL',
      concat_ws(', ', CASE WHEN name IS NULL THEN 'name' END, CASE WHEN lower_limit IS NULL THEN 'lower_limit' END));
  END IF;
  -- Whitespace of any kind (tabs, line breaks, no-break and other Unicode spaces) is no name.
  IF name ~ '^[\s\u0085\u00a0\u1680\u180e\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff]*$' OR length(name) > 200 THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('create_account: name %s must be 1 to 200 characters, not only whitespace', pgbank_private.shown(name));
  END IF;
  IF lower_limit > 0 OR lower_limit IN ('NaN', '-Infinity') OR lower_limit < -pgbank_private.max_amount()
     OR scale(lower_limit) > 4 AND lower_limit <> round(lower_limit, 4) THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('create_account: lower_limit %s must be 0 or a negative amount down to -%s with at most its currency''s decimals',
                       pgbank_private.shown(lower_limit::text), pgbank_private.max_amount()),
      HINT = 'the balance may go down to lower_limit: 0 means no overdraft';
  END IF;
  IF id = pgbank_private.world() THEN
    RAISE EXCEPTION USING ERRCODE = '23505', MESSAGE = format('create_account: account %L already exists (the world account)', id);
  END IF;
  SELECT c.code, c.minor_units INTO code, units
    FROM currencies c WHERE c.code = create_account.currency OR create_account.currency IS NULL AND c.is_default;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('create_account: unknown currency %s', pgbank_private.shown(currency)),
      HINT = 'an ISO 4217 code in upper case, one of pgbank.currencies (an operator may add one)';
  END IF;
  -- The limit is in the account's currency: at most its decimals. Every amount of the row is kept
  -- with exactly as many (balances add amounts at the same scale, so they keep it).
  IF lower_limit <> round(lower_limit, units) THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('create_account: lower_limit %s has more decimals than %s allows (%s)', lower_limit, code, units),
      HINT = 'an amount has at most its currency''s minor units: JPY 0, USD 2, BHD 3';
  END IF;
  BEGIN
    INSERT INTO users AS u (id, name, currency, minor_units, lower_limit, balance, held, day_sent, day_received)
    VALUES (coalesce(id, gen_random_uuid()), name, code, units, round(lower_limit, units),
            round(0, units), round(0, units), round(0, units), round(0, units))
    RETURNING u.id INTO new_id;
  EXCEPTION WHEN unique_violation THEN
    RAISE EXCEPTION USING ERRCODE = '23505', MESSAGE = format('create_account: account %L already exists', id);
  END;
  RETURN pgbank.get_account(new_id);
END
$_$;

ALTER FUNCTION pgbank.create_account(name text, lower_limit numeric, id uuid, currency text) OWNER TO postgres;

COMMENT ON FUNCTION pgbank.create_account(name text, lower_limit numeric, id uuid, currency text) IS 'Open an account: name, lower limit (0 = no overdraft, negative = bounded overdraft), optional id, currency (ISO 4217; default the database''s); returns it';

CREATE FUNCTION pgbank.event_slots() RETURNS TABLE(slot_name text, active boolean, confirmed_flush_lsn pg_lsn, current_lsn pg_lsn, lag_bytes numeric, retained_bytes numeric)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pgbank', 'pg_temp'
    AS $$
  -- lag_bytes: WAL written since the last change confirmed by the broker (0 when idle and caught up
  -- up to the WAL the server writes on its own); retained_bytes: WAL the slot keeps on disk.
  SELECT s.slot_name::text, s.active, s.confirmed_flush_lsn, pg_current_wal_lsn(),
         pg_wal_lsn_diff(pg_current_wal_lsn(), s.confirmed_flush_lsn),
         pg_wal_lsn_diff(pg_current_wal_lsn(), s.restart_lsn)
    FROM pg_replication_slots s
   WHERE s.database = current_database() AND s.plugin = 'pgoutput' AND s.slot_type = 'logical'
   ORDER BY s.slot_name
$$;

ALTER FUNCTION pgbank.event_slots() OWNER TO postgres;

COMMENT ON FUNCTION pgbank.event_slots() IS 'Logical slots (pgoutput) of this database, as npm run events uses them: confirmed position, WAL lag and WAL retained, in bytes';

CREATE FUNCTION pgbank.get_account(id uuid) RETURNS pgbank.account
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pgbank', 'pg_temp'
    AS $$
DECLARE
  a pgbank.account;
BEGIN
  IF id IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'get_account: id must not be NULL';
  END IF;
  SELECT u.id, u.name, u.balance, u.balance - u.held, u.held, u.lower_limit, u.version, u.created_at, u.modified_at,
         u.status, u.credits_frozen, u.currency, u.minor_units
    INTO a FROM users u WHERE u.id = get_account.id;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'P0002', MESSAGE = format('get_account: unknown account %L', id);
  END IF;
  RETURN a;
END
$$;

ALTER FUNCTION pgbank.get_account(id uuid) OWNER TO postgres;

COMMENT ON FUNCTION pgbank.get_account(id uuid) IS 'An account: id, name, balance, available (= balance - held), held, lower_limit, version, created_at, modified_at, status (open, frozen, closed), credits_frozen, currency (ISO 4217) and its minor_units';

CREATE FUNCTION pgbank.history(account uuid, from_ts timestamp with time zone DEFAULT NULL::timestamp with time zone, to_ts timestamp with time zone DEFAULT NULL::timestamp with time zone, direction text DEFAULT NULL::text, status text DEFAULT NULL::text, metadata jsonb DEFAULT NULL::jsonb, after text DEFAULT NULL::text, page_size integer DEFAULT 50) RETURNS SETOF pgbank.history_entry
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pgbank', 'pg_temp'
    SET constraint_exclusion TO 'off'
    AS $_$
DECLARE
  c_ts      timestamptz;  -- the cursor's position: rows strictly before (ts, id)
  c_id      bigint;
  created   date;
  row_day   date;
  moves     bigint;       -- the account's version: one per effective movement (and hold change)
  floor_day date;         -- no row of the account is older (see below)
  first_month date;       -- its first month with an effective movement
  today     date := (now() AT TIME ZONE 'UTC')::date;
  upper     timestamptz;
  hi_day    date;         -- the chunk read: days [lo_day, hi_day), UTC
  lo_day    date;
  stop_day  date;
  top_day   date;         -- hi_day of the page's first chunk
  copied    date;         -- the days before it are read from pgbank.history_copy
  part_stop date;         -- the oldest day read from the partitions
  days      int;
  remaining int := page_size;
  got       int;
  statuses  CONSTANT text[] := ARRAY['init', 'success', 'failed', 'held', 'voided', 'expired', 'reversed'];
BEGIN
  IF account IS NULL OR page_size IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = format('history: %s must not be NULL',
      concat_ws(', ', CASE WHEN account IS NULL THEN 'account' END, CASE WHEN page_size IS NULL THEN 'page_size' END));
  ELSIF page_size < 1 OR page_size > 1000 THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('history: page_size %s is not from 1 to 1,000', page_size);
  ELSIF direction NOT IN ('sent', 'received') THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('history: unknown direction %s', pgbank_private.shown(direction)),
      HINT = 'direction is ''sent'', ''received'' or NULL for both';
  ELSIF status <> ALL (statuses) THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('history: unknown status %s', pgbank_private.shown(status)),
      HINT = 'a status is one of ' || array_to_string(statuses, ', ');
  ELSIF from_ts > to_ts THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('history: from_ts %L is after to_ts %L', from_ts, to_ts),
      HINT = 'the window is [from_ts, to_ts), so from_ts <= to_ts';
  END IF;
  PERFORM pgbank_private.check_metadata('history', metadata, 'metadata filter');
  IF after IS NOT NULL THEN
    SELECT p.ts, p.id INTO c_ts, c_id FROM pgbank_private.history_position(after) p;
  END IF;
  SELECT (u.created_at AT TIME ZONE 'UTC')::date, u.totals_day, u.version INTO created, row_day, moves FROM users u WHERE u.id = account;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'P0002', MESSAGE = format('history: unknown account %L', account);
  ELSIF account = pgbank_private.world() THEN
    RAISE EXCEPTION USING ERRCODE = 'P0002', MESSAGE = format('history: %L is the world account, which keeps no balance', account),
      HINT = 'the world is the other side of top-ups and withdrawals; read the accounts'' histories';
  END IF;

  -- The newest day to read: the one holding the cursor or to_ts, else tomorrow (UTC; a row dated
  -- later can only have been written directly, and shows when to_ts names its day).
  upper := least(coalesce(to_ts, 'infinity'), c_ts + interval '1 microsecond');
  hi_day := CASE WHEN upper IS NULL OR upper = 'infinity' THEN today + 1
                 ELSE ((upper - interval '1 microsecond') AT TIME ZONE 'UTC')::date + 1 END;
  -- The oldest: an account's rows come with or after its creation (the API stamps now()), save
  -- effective ones written before (the seeds' history), which its totals know of.
  SELECT least(created, row_day, min(t.month)), min(t.month) INTO floor_day, first_month FROM user_monthly_totals t WHERE t.user_id = account;
  stop_day := greatest(floor_day, (from_ts AT TIME ZONE 'UTC')::date);
  IF hi_day <= stop_day THEN
    RETURN;
  END IF;
  -- Days over and copied are read from the copy (below); the others from their partitions.
  SELECT s.copied_until INTO copied FROM history_copy_state s;
  top_day := hi_day;
  part_stop := greatest(stop_day, copied);

  -- How far back the page reaches: the account's version counts its effective movements, so
  -- version / days since the first one is its rate of rows a day; the first chunk holds
  -- page_size (+2) rows at that rate, with a margin, back from the page's first moment (now, the
  -- cursor or to_ts: today's partition is only partly filled). Each day is a partition to plan
  -- and read, so a chunk too long costs more than the second, short one a chunk too short needs.
  lo_day := (least(now(), upper) AT TIME ZONE 'UTC'
             - least(hi_day - stop_day, (remaining + 2) * 1.15 * greatest(1, today + 1 - coalesce(first_month, floor_day))
                                        / greatest(1, moves) * CASE WHEN direction IS NULL THEN 1 ELSE 2 END) * interval '1 day')::date;
  lo_day := greatest(part_stop, least(lo_day, hi_day - 1));

  WHILE hi_day > part_stop LOOP
    -- The balance before hi_day comes from the totals; walking the chunk back from it, the
    -- balance after a row is that minus the net of the effective rows newer than it (the rows
    -- before the cursor and outside the filters included). EXECUTE plans it for these values
    -- ($2, $3 constants: only the days read are planned, opened and locked; a cached generic
    -- plan would lock all ~1,460 partitions) while the function's other statements keep their
    -- cached plans.
    RETURN QUERY EXECUTE $q$
    WITH chunk AS (  -- one scan per day partition: a BitmapOr of the sender and receiver indexes
      SELECT t.id, t.ts, CASE WHEN t.sender = $1 THEN 'sent' ELSE 'received' END AS dir,
             CASE WHEN t.sender = $1 THEN t.receiver ELSE t.sender END AS counterparty,
             t.amount, t.status, t.reason, t.metadata, t.reverses,
             CASE WHEN t.status <> 'success' OR t.sender = t.receiver THEN 0 WHEN t.sender = $1 THEN -t.amount ELSE t.amount END AS net
        FROM pgbank.transactions t
       WHERE (t.sender = $1 OR t.receiver = $1)
         AND t.ts >= $2 AND t.ts < $3
    ), walked AS (
      SELECT c.*, $4 - coalesce(sum(c.net) OVER (ORDER BY c.ts DESC, c.id DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS bal
        FROM chunk c
    )
    SELECT w.id, w.ts, w.dir, w.counterparty, w.amount::numeric, w.status, w.reason,
           CASE WHEN w.status = 'success' THEN w.bal END, w.metadata, w.reverses,
           (SELECT r.reversal_ids FROM pgbank.reversals r WHERE r.transaction_id = w.id AND r.reversal_ids <> '{}'),
           pgbank_private.history_cursor(w.ts, w.id)
      FROM walked w
     WHERE ($5::timestamptz IS NULL OR (w.ts, w.id) < ($5, $6))
       AND ($7::timestamptz IS NULL OR w.ts >= $7) AND ($8::timestamptz IS NULL OR w.ts < $8)
       AND ($9::text IS NULL OR w.dir = $9) AND ($10::text IS NULL OR w.status = $10)
       AND ($11::jsonb IS NULL OR w.metadata @> $11)
     ORDER BY w.ts DESC, w.id DESC
     LIMIT $12
    $q$ USING account, lo_day::timestamp AT TIME ZONE 'UTC', hi_day::timestamp AT TIME ZONE 'UTC',
              pgbank_private.balance_before_day(account, hi_day), c_ts, c_id, from_ts, to_ts, direction, status, metadata, remaining;
    GET DIAGNOSTICS got = ROW_COUNT;
    remaining := remaining - got;
    EXIT WHEN remaining <= 0 OR lo_day <= part_stop;
    -- Short: the next chunk back, long enough for the rows still missing at the rate just seen,
    -- at most twice the one read (filters that match rarely: a few chunks, doubling).
    days := hi_day - lo_day;
    days := CASE WHEN got = 0 THEN 2 * days ELSE least(2 * days, ceil((remaining + 1) * 1.5 * days / got)) END;
    hi_day := lo_day;
    lo_day := greatest(part_stop, hi_day - days);
  END LOOP;

  -- The copied days: from the copy, walked back from the balance before the first day not read.
  IF remaining > 0 AND copied > stop_day THEN
    hi_day := least(top_day, copied);
    RETURN QUERY SELECT * FROM pgbank_private.history_from_copy(account, stop_day, hi_day, pgbank_private.balance_before_day(account, hi_day),
                                                                c_ts, c_id, from_ts, to_ts, direction, status, metadata, remaining);
  END IF;
END
$_$;

ALTER FUNCTION pgbank.history(account uuid, from_ts timestamp with time zone, to_ts timestamp with time zone, direction text, status text, metadata jsonb, after text, page_size integer) OWNER TO postgres;

COMMENT ON FUNCTION pgbank.history(account uuid, from_ts timestamp with time zone, to_ts timestamp with time zone, direction text, status text, metadata jsonb, after text, page_size integer) IS 'An account''s movements newest first (filters: window, direction, status, metadata @>), page_size at a time after a cursor, with the balance after each effective one and reversal links';

CREATE FUNCTION pgbank.hold(request_id text, from_account uuid, to_account uuid, amount numeric, expires_in interval, metadata jsonb DEFAULT NULL::jsonb) RETURNS pgbank.hold_result
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pgbank', 'pg_temp'
    AS $$
BEGIN
  PERFORM pgbank_private.check_request_id('hold', request_id);
  IF from_account IS NULL OR to_account IS NULL OR expires_in IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = format('hold: %s must not be NULL',
      concat_ws(', ', CASE WHEN from_account IS NULL THEN 'from_account' END, CASE WHEN to_account IS NULL THEN 'to_account' END,
                      CASE WHEN expires_in IS NULL THEN 'expires_in' END));
  END IF;
  PERFORM pgbank_private.check_money('hold', amount);
  PERFORM pgbank_private.check_metadata('hold', metadata);
  IF scale(amount) > 4 THEN  -- '1.0000000000': the same amount; place_hold stores it with its currency's decimals
    amount := round(amount, 4);
  END IF;
  -- The deadline decides, not the interval's parts: '1000000 months -29999990 days' compares as 10
  -- days but ends in the year 3223. Parts too large to add to now() are refused first.
  IF abs(extract(year FROM expires_in)) > 1 OR abs(extract(day FROM expires_in)) > 400
     OR abs(extract(epoch FROM expires_in - date_trunc('day', expires_in))) > 400 * 86400
     OR now() + expires_in <= now() OR now() + expires_in > now() + interval '366 days' THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('hold: expires_in %s must end after now and at most 366 days from now', pgbank_private.shown(expires_in::text));
  END IF;
  RETURN pgbank_private.place_hold(request_id, from_account, to_account, amount, expires_in, metadata);
END
$$;

ALTER FUNCTION pgbank.hold(request_id text, from_account uuid, to_account uuid, amount numeric, expires_in interval, metadata jsonb) OWNER TO postgres;

COMMENT ON FUNCTION pgbank.hold(request_id text, from_account uuid, to_account uuid, amount numeric, expires_in interval, metadata jsonb) IS 'Reserve amount from one account for another until expires_in passes, idempotent per (from_account, request_id); status held or failed; metadata (a JSON object) is kept with the ledger row';

CREATE FUNCTION pgbank.money_in_transit() RETURNS TABLE(request_id text, from_account uuid, to_account uuid, from_shard integer, to_shard integer, amount numeric, ts timestamp with time zone)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pgbank', 'pg_temp'
    AS $$
  SELECT o.request_id, o.account, o.to_account, c.shard_no, o.to_shard, o.amount, o.ts
    FROM shard_outbox o CROSS JOIN shard_config c
   WHERE o.status = 'pending'
   ORDER BY o.id
$$;

ALTER FUNCTION pgbank.money_in_transit() OWNER TO postgres;

COMMENT ON FUNCTION pgbank.money_in_transit() IS 'Cross-shard transfers paid on this shard and not yet credited or returned (empty on a single node)';

CREATE FUNCTION pgbank.post_hold(hold_id uuid, amount numeric DEFAULT NULL::numeric) RETURNS pgbank.hold_result
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pgbank', 'pg_temp'
    AS $$
BEGIN
  IF hold_id IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'post_hold: hold_id must not be NULL';
  END IF;
  IF amount IS NOT NULL THEN
    PERFORM pgbank_private.check_money('post_hold', amount);
    IF scale(amount) > 4 THEN  -- the same amount; finish_hold checks and keeps the currency's decimals
      amount := round(amount, 4);
    END IF;
  END IF;
  RETURN pgbank_private.finish_hold(hold_id, 'post', amount);
END
$$;

ALTER FUNCTION pgbank.post_hold(hold_id uuid, amount numeric) OWNER TO postgres;

COMMENT ON FUNCTION pgbank.post_hold(hold_id uuid, amount numeric) IS 'Post a hold: transfer all of it (amount NULL) or part of it; status posted, or expired when past its deadline';

CREATE FUNCTION pgbank.provider_balances() RETURNS TABLE(provider_id bigint, key text, balance numeric, transactions bigint)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pgbank', 'pg_temp'
    AS $$
  -- One statement, so one snapshot: the balances never mix two batches. Reads the running
  -- totals (one row per provider), never the history, so its cost does not grow with it.
  -- A balance shows 2 decimals (1900.00) whatever scale its rows were written with; decimals
  -- beyond the second, when a provider sent some, are kept.
  SELECT b.id, b.key, round(b.balance, greatest(2, scale(trim_scale(b.balance)))), b.transactions
    FROM (SELECT d.id, d.id || '_' || d.provider_name AS key, d.initial_value + coalesce(t.total, 0) AS balance,
                 coalesce(t.transactions, 0) AS transactions
            FROM initial_data d
            LEFT JOIN provider_transaction_totals t ON t.provider_id = d.id) AS b
   ORDER BY b.id
$$;

ALTER FUNCTION pgbank.provider_balances() OWNER TO postgres;

COMMENT ON FUNCTION pgbank.provider_balances() IS 'Each provider''s KeyDB key {id}_{provider_name}, balance = initial_value + sum(transaction_value) and transaction count, from one snapshot';

CREATE FUNCTION pgbank.provider_bridge_lock(queue_name text, OUT acquired boolean, OUT holder_pid integer, OUT holder_application text, OUT holder_address text, OUT holder_since timestamp with time zone) RETURNS record
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pgbank', 'pg_temp'
    AS $$
DECLARE
  -- Two-key advisory lock: (bridge, queue). Held by the calling session until it ends.
  lock_class int := hashtext('pgbank.provider_bridge');
  lock_queue int := hashtext(queue_name);
BEGIN
  IF queue_name IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'provider_bridge_lock: queue_name must not be NULL';
  END IF;
  IF queue_name = '' THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('provider_bridge_lock: queue_name %L is empty', queue_name),
      HINT = 'pass the name of the queue the bridge consumes';
  END IF;

  SELECT l.pid, a.application_name, host(a.client_addr), a.backend_start
    INTO holder_pid, holder_application, holder_address, holder_since
    FROM pg_locks l
    LEFT JOIN pg_stat_activity a ON a.pid = l.pid
   WHERE l.locktype = 'advisory' AND l.granted
     AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
     AND l.classid = lock_class::oid AND l.objid = lock_queue::oid AND l.objsubid = 2;

  IF holder_pid = pg_backend_pid() THEN
    acquired := true;  -- already ours: asking again is the bridge's heartbeat, it takes nothing more
  ELSIF holder_pid IS NOT NULL THEN
    acquired := false;
  ELSE
    acquired := pg_try_advisory_lock(lock_class, lock_queue);
    IF acquired THEN
      SELECT pg_backend_pid(), a.application_name, host(a.client_addr), a.backend_start
        INTO holder_pid, holder_application, holder_address, holder_since
        FROM pg_stat_activity a WHERE a.pid = pg_backend_pid();
    END IF;
  END IF;
END
$$;

ALTER FUNCTION pgbank.provider_bridge_lock(queue_name text, OUT acquired boolean, OUT holder_pid integer, OUT holder_application text, OUT holder_address text, OUT holder_since timestamp with time zone) OWNER TO postgres;

COMMENT ON FUNCTION pgbank.provider_bridge_lock(queue_name text, OUT acquired boolean, OUT holder_pid integer, OUT holder_application text, OUT holder_address text, OUT holder_since timestamp with time zone) IS 'Single-instance lock of the provider bridge for a queue: acquired = true when this session holds it (taken now or before), else the holder''s pid, application, address and start';

CREATE FUNCTION pgbank.provider_record_transactions(message_ids text[], provider_ids text[], amounts text[]) RETURNS TABLE(message_position integer, outcome text, transaction_id bigint, error_code text, reason text)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pgbank', 'pg_temp'
    SET plan_cache_mode TO 'force_custom_plan'
    AS $_$
DECLARE
  -- A JSON number: sign, integer part without leading zeros, fraction, exponent (at most 4
  -- digits, so the cast to numeric below cannot overflow).
  number_pattern constant text := '^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]{1,4})?$';
  max_length     constant int := 1000;  -- characters of a value as sent: '1.' and 990 zeros is still 1.00
  max_decimals   constant int := 2;     -- money has cents: more decimals that are not zeros are refused, never rounded
  max_abs        constant numeric := pgbank_private.max_amount();
  max_message_id constant int := 255;   -- bytes: an AMQP message_id (shortstr) is never longer
BEGIN
  IF message_ids IS NULL OR provider_ids IS NULL OR amounts IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22004',
      MESSAGE = format('provider_record_transactions: %s must not be NULL',
        concat_ws(', ', CASE WHEN message_ids IS NULL THEN 'message_ids' END,
                        CASE WHEN provider_ids IS NULL THEN 'provider_ids' END,
                        CASE WHEN amounts IS NULL THEN 'amounts' END)),
      HINT = 'pass empty arrays for an empty batch, and NULL elements of message_ids for messages without one';
  END IF;
  IF coalesce(array_ndims(message_ids), 1) <> 1 OR coalesce(array_ndims(provider_ids), 1) <> 1
     OR coalesce(array_ndims(amounts), 1) <> 1
     OR cardinality(message_ids) <> cardinality(provider_ids) OR cardinality(message_ids) <> cardinality(amounts) THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('provider_record_transactions: the arrays must be one-dimensional and of one length, got %s message_ids, %s provider_ids, %s amounts',
                       cardinality(message_ids), cardinality(provider_ids), cardinality(amounts)),
      HINT = 'element i of each array describes message i';
  END IF;

  RETURN QUERY
  WITH input AS (
    SELECT u.n::int AS pos, nullif(u.mid, '') AS mid, u.pid_text, u.amount_text,
           u.pid_text ~ '^-?[0-9]+$' AS pid_is_integer,
           length(u.amount_text) <= max_length AND u.amount_text ~ number_pattern AS amount_is_number
      FROM unnest(message_ids, provider_ids, amounts) WITH ORDINALITY AS u(mid, pid_text, amount_text, n)
  ),
  parsed AS (
    SELECT i.*,
           CASE WHEN i.pid_is_integer AND length(i.pid_text) <= 30 AND i.pid_text::numeric BETWEEN 1 AND 9223372036854775807
                THEN i.pid_text::bigint END AS pid,
           CASE WHEN i.amount_is_number THEN i.amount_text::numeric END AS amount
      FROM input i
  ),
  checked AS (  -- the first problem of each message, if any; every value quoted is cut (pgbank_private.shown)
    SELECT p.pos, p.mid, p.pid, p.amount,
           CASE
             WHEN d.id IS NOT NULL AND abs(p.amount) <= max_abs AND scale(trim_scale(p.amount)) <= max_decimals
                  AND (octet_length(p.mid) <= max_message_id) IS NOT FALSE
               THEN NULL  -- the usual case, decided in one test
             WHEN octet_length(p.mid) > max_message_id
               THEN ARRAY['22023', format('message_id %s is too long: at most %s bytes', pgbank_private.shown(p.mid), max_message_id)]
             WHEN p.pid_text IS NULL THEN ARRAY['22004', 'provider id is missing']
             WHEN NOT p.pid_is_integer
               THEN ARRAY['22P02', format('provider id %s is not an integer', pgbank_private.shown(p.pid_text))]
             WHEN d.id IS NULL THEN ARRAY['P0002', format('unknown provider %s', pgbank_private.shown(p.pid_text))]
             WHEN p.amount_text IS NULL THEN ARRAY['22004', 'value is missing']
             WHEN length(p.amount_text) > max_length
               THEN ARRAY['22023', format('value %s is too long: at most %s characters', pgbank_private.shown(p.amount_text), max_length)]
             WHEN lower(ltrim(p.amount_text, '+-')) IN ('nan', 'infinity', 'inf')
               THEN ARRAY['22023', format('value %L is not finite', p.amount_text)]
             WHEN NOT p.amount_is_number
               THEN ARRAY['22P02', format('value %s is not a decimal number', pgbank_private.shown(p.amount_text))]
             WHEN abs(p.amount) > max_abs
               THEN ARRAY['22023', format('value %s is out of range: at most %s either way', pgbank_private.shown(p.amount_text), max_abs)]
             WHEN scale(trim_scale(p.amount)) > max_decimals
               THEN ARRAY['22023', format('value %s has more than %s decimal places', pgbank_private.shown(p.amount_text), max_decimals)]
           END AS problem
      FROM parsed p
      LEFT JOIN initial_data d ON d.id = p.pid
  ),
  numbered AS (  -- ids drawn up front (in message order) so each inserted row maps back to its message
    SELECT c.*, nextval('historical_transactions_id_seq') AS new_id
      FROM checked c
     WHERE c.problem IS NULL
  ),
  inserted AS (
    INSERT INTO historical_transactions AS h (id, provider_id, transaction_value, message_id)
    -- Money has exactly 2 decimals whatever scale was sent ('600' and '600.000' are 600.00).
    SELECT n.new_id, n.pid, round(n.amount, 2), n.mid
      FROM numbered n
     ORDER BY n.pos
    ON CONFLICT (message_id) DO NOTHING
    RETURNING h.id, h.message_id
  )
  -- Only the messages that were not recorded: a batch of good messages returns nothing.
  SELECT c.pos,
         CASE WHEN c.problem IS NOT NULL THEN 'rejected' ELSE 'duplicate' END,
         CASE WHEN c.problem IS NULL  -- the row that counts: recorded by this batch, or earlier
              THEN coalesce(same_batch.id, (SELECT e.id FROM historical_transactions e WHERE e.message_id = n.mid)) END,
         c.problem[1],
         c.problem[2]
    FROM checked c
    LEFT JOIN numbered n ON n.pos = c.pos
    LEFT JOIN inserted mine ON mine.id = n.new_id
    LEFT JOIN inserted same_batch ON same_batch.message_id = n.mid
   WHERE mine.id IS NULL
   ORDER BY c.pos;
END
$_$;

ALTER FUNCTION pgbank.provider_record_transactions(message_ids text[], provider_ids text[], amounts text[]) OWNER TO postgres;

COMMENT ON FUNCTION pgbank.provider_record_transactions(message_ids text[], provider_ids text[], amounts text[]) IS 'Records message i = (message_ids[i], provider_ids[i], amounts[i]) in pgbank.historical_transactions, all in one statement; returns a row per message NOT recorded: duplicate (its message_id was recorded before; transaction_id = that row) or rejected (error_code = SQLSTATE, reason)';

CREATE FUNCTION pgbank.reverse(request_id text, transaction_id bigint, amount numeric DEFAULT NULL::numeric, metadata jsonb DEFAULT NULL::jsonb) RETURNS pgbank.reverse_result
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pgbank', 'pg_temp'
    AS $$
DECLARE
  world   CONSTANT uuid := pgbank_private.world();
  o       transactions;  -- the original
  payer   uuid;          -- the original's receiver pays back ...
  payee   uuid;          -- ... its sender
  owner   uuid;          -- the request's key: the paying account (the payee when the world pays)
  room    numeric;       -- how far the payer may still go down (NULL: no limit)
  payee_balance numeric;
  code    text;          -- the accounts' currency (the original's)
  units   smallint;      -- its minor units
  req     requests;
  state   reversals;
  wanted  numeric;
  reason  text;
  tx_id   bigint;
  tx_ts   timestamptz := now();
BEGIN
  PERFORM pgbank_private.check_request_id('reverse', request_id);
  IF transaction_id IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'reverse: transaction_id must not be NULL';
  END IF;
  IF amount IS NOT NULL THEN
    PERFORM pgbank_private.check_money('reverse', amount);
    IF scale(amount) > 4 THEN  -- the same amount; checked below against the currency's decimals
      amount := round(amount, 4);
    END IF;
  END IF;
  PERFORM pgbank_private.check_metadata('reverse', metadata);

  o := pgbank_private.find_transaction(transaction_id);
  IF o.id IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'P0002', MESSAGE = format('reverse: unknown transaction %s', transaction_id);
  ELSIF o.reverses IS NOT NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'PB004',
      MESSAGE = format('reverse: transaction %s is a reversal (of transaction %s) and cannot be reversed', transaction_id, o.reverses),
      HINT = 'to undo a reversal, transfer the money again';
  ELSIF o.status <> 'success' THEN
    RAISE EXCEPTION USING ERRCODE = 'PB004',
      MESSAGE = format('reverse: transaction %s is %s, only an effective (success) transaction can be reversed', transaction_id, o.status),
      HINT = CASE WHEN o.status = 'held' THEN 'a hold is undone by void_hold' ELSE 'nothing moved, so there is nothing to take back' END;
  ELSIF amount > o.amount THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('reverse: amount %s is more than the %s of transaction %s', amount, o.amount, transaction_id);
  END IF;

  payer := o.receiver;
  payee := o.sender;
  owner := CASE WHEN payer = world THEN payee ELSE payer END;
  -- Both accounts, in the order every transfer locks them; every reversal of one transaction
  -- locks the same two, so they run one at a time, and so do the requests of the paying account.
  PERFORM pgbank_private.lock_accounts(payer, payee);
  SELECT u.balance - u.held - u.lower_limit, u.currency, u.minor_units INTO room, code, units FROM users u WHERE u.id = payer AND u.id <> world;
  SELECT u.balance INTO payee_balance FROM users u WHERE u.id = payee;
  IF payer = world THEN  -- a withdrawal reversed: the payee's currency
    SELECT u.currency, u.minor_units INTO code, units FROM users u WHERE u.id = payee;
  END IF;
  IF amount <> round(amount, units) THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('reverse: amount %s has more decimals than %s allows (%s)', amount, code, units),
      HINT = 'an amount has at most its currency''s minor units: JPY 0, USD 2, BHD 3';
  END IF;
  amount := round(amount, units);

  SELECT * INTO req FROM requests r WHERE r.account = owner AND r.request_id = reverse.request_id;
  IF FOUND THEN  -- a repeat: its first outcome, or PB001 when it asks for something else
    IF req.kind <> 'reverse' OR req.reverses IS DISTINCT FROM transaction_id OR amount <> req.amounts[1] THEN
      RAISE EXCEPTION USING ERRCODE = 'PB001',
        MESSAGE = format('request_id %s of account %L was already used with other parameters', pgbank_private.shown(req.request_id), req.account),
        DETAIL = left(format('first: %s%s to %s of %s; now: reverse transaction %s of %s', req.kind,
                             coalesce(' transaction ' || req.reverses, ''), req.to_accounts, req.amounts, transaction_id, coalesce(amount::text, 'all')), 500),
        HINT = 'use a new request_id for a new request';
    END IF;
    RETURN (req.request_id::text, req.status::text, req.reason, req.transaction_ids[1], req.ts,
            CASE WHEN owner = payee THEN world ELSE owner END, req.to_accounts[1], req.amounts[1], req.reverses, true)::reverse_result;
  END IF;

  INSERT INTO reversals (transaction_id, ts, sender, receiver, amount)
  VALUES (o.id, o.ts, o.sender, o.receiver, o.amount)
  ON CONFLICT ON CONSTRAINT reversals_pkey DO NOTHING;
  SELECT * INTO state FROM reversals r WHERE r.transaction_id = o.id FOR UPDATE;
  wanted := coalesce(amount, o.amount - state.reversed);
  reason := CASE WHEN wanted = 0 OR wanted > o.amount - state.reversed THEN 'already_reversed'
                 WHEN room < wanted THEN 'insufficient_funds' END;  -- room is NULL for the world: it always can
  IF wanted = 0 THEN
    wanted := o.amount;  -- all of it was asked for, and none is left: the failed row names the whole
  END IF;
  IF reason IS NULL AND payee_balance > pgbank_private.max_balance() - wanted THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('reverse: amount %s would take the balance of account %L past %s', wanted, payee, pgbank_private.max_balance()),
      HINT = 'a balance is at most 999,999,999,999,999,999.99';
  END IF;

  tx_id := nextval('pgbank.transactions_id_seq');
  INSERT INTO requests (account, request_id, kind, to_accounts, amounts, status, reason, transaction_ids, ts, reverses)
  VALUES (owner, request_id, 'reverse', ARRAY[payee], ARRAY[wanted], CASE WHEN reason IS NULL THEN 'success' ELSE 'failed' END,
          reason, ARRAY[tx_id], tx_ts, o.id);
  -- The triggers on transactions move the balances of a 'success' row.
  INSERT INTO transactions (id, ts, sender, receiver, amount, status, reason, metadata, reverses)
  VALUES (tx_id, tx_ts, payer, payee, wanted, CASE WHEN reason IS NULL THEN 'success' ELSE 'failed' END, reason, reverse.metadata, o.id);
  IF reason IS NULL THEN
    UPDATE reversals r SET reversed = r.reversed + wanted, reversal_ids = r.reversal_ids || tx_id WHERE r.transaction_id = o.id;
  END IF;
  RETURN (request_id, CASE WHEN reason IS NULL THEN 'success' ELSE 'failed' END, reason, tx_id, tx_ts,
          payer, payee, wanted, o.id, false)::reverse_result;
END
$$;

ALTER FUNCTION pgbank.reverse(request_id text, transaction_id bigint, amount numeric, metadata jsonb) OWNER TO postgres;

COMMENT ON FUNCTION pgbank.reverse(request_id text, transaction_id bigint, amount numeric, metadata jsonb) IS 'Take back all or part of an effective transaction (its receiver pays its sender), linked to it, idempotent per (paying account, request_id); status success or failed (already_reversed, insufficient_funds)';

CREATE FUNCTION pgbank.set_account_status(account uuid, status text, reason text, changed_by text, credits_frozen boolean DEFAULT false) RETURNS pgbank.account
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pgbank', 'pg_temp'
    AS $$
DECLARE
  u users;
BEGIN
  IF account IS NULL OR status IS NULL OR reason IS NULL OR changed_by IS NULL OR credits_frozen IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = format('set_account_status: %s must not be NULL',
      concat_ws(', ', CASE WHEN account IS NULL THEN 'account' END, CASE WHEN status IS NULL THEN 'status' END,
                      CASE WHEN reason IS NULL THEN 'reason' END, CASE WHEN changed_by IS NULL THEN 'changed_by' END,
                      CASE WHEN credits_frozen IS NULL THEN 'credits_frozen' END));
  END IF;
  IF status NOT IN ('open', 'frozen', 'closed') THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('set_account_status: status %s must be open, frozen or closed', pgbank_private.shown(status));
  END IF;
  IF credits_frozen AND status <> 'frozen' THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('set_account_status: credits_frozen applies to status frozen only, not %L', status),
      HINT = 'an open account takes credits, a closed one never does';
  END IF;
  IF btrim(reason) = '' OR length(reason) > 500 THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('set_account_status: reason %s must be 1 to 500 characters, not only spaces', pgbank_private.shown(reason));
  END IF;
  IF btrim(changed_by) = '' OR length(changed_by) > 200 THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('set_account_status: changed_by %s must be 1 to 200 characters, not only spaces', pgbank_private.shown(changed_by));
  END IF;
  IF account = pgbank_private.world() THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('set_account_status: account %L is the world account, always open', account);
  END IF;
  -- The row lock every transfer, hold and batch takes on this account: a movement that holds it
  -- now commits before the change; one that comes later waits, then sees the new status.
  SELECT * INTO u FROM users x WHERE x.id = account FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'P0002', MESSAGE = format('set_account_status: unknown account %L', account);
  END IF;
  IF u.status = 'closed' THEN
    IF status = 'closed' THEN  -- closing twice: the first close stands
      RETURN pgbank.get_account(account);
    END IF;
    RAISE EXCEPTION USING ERRCODE = '55000',
      MESSAGE = format('set_account_status: account %L is closed; it cannot become %s', account, status),
      HINT = 'closing is final: open a new account';
  END IF;
  IF status = 'closed' AND (u.balance <> 0 OR u.held <> 0) THEN
    RAISE EXCEPTION USING ERRCODE = '55000',
      MESSAGE = format('set_account_status: account %L has balance %s and %s held; only an account with balance 0 and no open hold can be closed',
                       account, u.balance, u.held),
      HINT = 'move the balance out (a transfer, or one to the world account) and post or void its holds first';
  END IF;
  IF u.status = status AND u.credits_frozen = credits_frozen THEN  -- already so: nothing changes, nothing recorded
    RETURN pgbank.get_account(account);
  END IF;
  UPDATE users x SET status = set_account_status.status, credits_frozen = set_account_status.credits_frozen, modified_at = now()
   WHERE x.id = account;
  INSERT INTO account_status_changes (account, from_status, to_status, credits_frozen, changed_by, reason)
  VALUES (account, u.status, status, credits_frozen, changed_by, reason);
  RETURN pgbank.get_account(account);
END
$$;

ALTER FUNCTION pgbank.set_account_status(account uuid, status text, reason text, changed_by text, credits_frozen boolean) OWNER TO postgres;

COMMENT ON FUNCTION pgbank.set_account_status(account uuid, status text, reason text, changed_by text, credits_frozen boolean) IS 'Set an account open, frozen (no debits; credits_frozen: no credits either) or closed (final; balance 0, nothing held); recorded with changed_by and reason';

CREATE FUNCTION pgbank.shard_create_account(name text, lower_limit numeric DEFAULT 0, id uuid DEFAULT NULL::uuid, currency text DEFAULT NULL::text) RETURNS pgbank.account
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pgbank', 'pg_temp'
    AS $$
DECLARE
  made   pgbank.account;
  theirs text;  -- the clearing accounts' currency (the default when the shard was configured)
BEGIN
  PERFORM pgbank_private.check_not_clearing('create_account', id);
  made := pgbank.create_account(name, lower_limit, id, currency);  -- every check of one node first
  -- A transfer to another shard goes through this shard's clearing account for it, in one
  -- currency: an account in another could not pay or be paid across shards (docs/scaling.md).
  SELECT c.currency INTO theirs FROM users c WHERE pgbank_private.is_clearing(c.id) AND c.currency <> made.currency LIMIT 1;
  IF FOUND THEN  -- the raise takes back the account just made
    RAISE EXCEPTION USING ERRCODE = '0A000',
      MESSAGE = format('create_account: currency %L through a sharded router: only %s accounts can move money between shards', made.currency, theirs),
      HINT = 'the clearing accounts that carry money between shards are in one currency (docs/scaling.md)';
  END IF;
  RETURN made;
END
$$;

ALTER FUNCTION pgbank.shard_create_account(name text, lower_limit numeric, id uuid, currency text) OWNER TO postgres;

COMMENT ON FUNCTION pgbank.shard_create_account(name text, lower_limit numeric, id uuid, currency text) IS 'Shard side of the router''s create_account(): pgbank.create_account(), refusing clearing-account ids (22023) and a currency other than the clearing accounts'' (0A000)';

CREATE FUNCTION pgbank.shard_finish_hold(action text, hold_id uuid, amount numeric DEFAULT NULL::numeric) RETURNS SETOF pgbank.hold_result
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pgbank', 'pg_temp'
    AS $$
BEGIN
  IF hold_id IS NOT NULL AND NOT EXISTS (SELECT FROM holds h WHERE h.id = hold_id) THEN
    RETURN;  -- another shard's (the router says unknown when none has it)
  END IF;
  IF action = 'post' THEN
    RETURN NEXT pgbank.post_hold(hold_id, amount);
  ELSIF action = 'void' THEN
    RETURN NEXT pgbank.void_hold(hold_id);
  ELSE
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('shard_finish_hold: action %s must be post or void', pgbank_private.shown(action));
  END IF;
END
$$;

ALTER FUNCTION pgbank.shard_finish_hold(action text, hold_id uuid, amount numeric) OWNER TO postgres;

COMMENT ON FUNCTION pgbank.shard_finish_hold(action text, hold_id uuid, amount numeric) IS 'Shard side of the router''s post_hold()/void_hold() (run on all shards): finishes the hold on the shard that has it, no row elsewhere';

CREATE FUNCTION pgbank.shard_history(account uuid, from_ts timestamp with time zone DEFAULT NULL::timestamp with time zone, to_ts timestamp with time zone DEFAULT NULL::timestamp with time zone, direction text DEFAULT NULL::text, status text DEFAULT NULL::text, metadata jsonb DEFAULT NULL::jsonb, after text DEFAULT NULL::text, page_size integer DEFAULT 50) RETURNS SETOF pgbank.history_entry
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pgbank', 'pg_temp'
    AS $$
  -- A payment to another shard is a row payer -> clearing account here (its outbox row names the
  -- payee, and its return's row the same); a credit from another shard, clearing account -> payee
  -- (its inbox row names the payer). One lookup per such row, by index.
  SELECT h.transaction_id, h.ts, h.direction,
         CASE WHEN pgbank_private.is_clearing(h.counterparty) THEN coalesce(
           (SELECT o.to_account FROM shard_outbox o WHERE o.transaction_id = h.transaction_id OR o.return_transaction_id = h.transaction_id),
           (SELECT b.account FROM shard_inbox b WHERE b.transaction_id = h.transaction_id),
           h.counterparty) ELSE h.counterparty END,
         h.amount, h.status, h.reason, h.balance_after, h.metadata, h.reverses, h.reversed_by, h.cursor
    FROM pgbank.history(account, from_ts, to_ts, direction, status, metadata, after, page_size) WITH ORDINALITY AS h
   ORDER BY h.ordinality
$$;

ALTER FUNCTION pgbank.shard_history(account uuid, from_ts timestamp with time zone, to_ts timestamp with time zone, direction text, status text, metadata jsonb, after text, page_size integer) OWNER TO postgres;

COMMENT ON FUNCTION pgbank.shard_history(account uuid, from_ts timestamp with time zone, to_ts timestamp with time zone, direction text, status text, metadata jsonb, after text, page_size integer) IS 'Shard side of the router''s history(): pgbank.history(), naming the payee or payer on the other shard instead of the clearing account';

CREATE FUNCTION pgbank.shard_hold(request_id text, from_account uuid, to_account uuid, amount numeric, expires_in interval, metadata jsonb DEFAULT NULL::jsonb) RETURNS pgbank.hold_result
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pgbank', 'pg_temp'
    AS $$
BEGIN
  PERFORM pgbank_private.check_not_clearing('hold', from_account, to_account);
  IF pgbank_private.remote_shard(to_account) IS NOT NULL THEN
    RAISE EXCEPTION USING ERRCODE = '0A000',
      MESSAGE = format('hold: from_account %L and to_account %L are on different shards (%s and %s): holds across shards are not supported',
                       from_account, to_account, (SELECT c.shard_no FROM shard_config c), pgbank_private.remote_shard(to_account)),
      HINT = 'use transfer() (delivered through the clearing accounts), or hold between accounts of one shard';
  END IF;
  RETURN pgbank.hold(request_id, from_account, to_account, amount, expires_in, metadata);
END
$$;

ALTER FUNCTION pgbank.shard_hold(request_id text, from_account uuid, to_account uuid, amount numeric, expires_in interval, metadata jsonb) OWNER TO postgres;

COMMENT ON FUNCTION pgbank.shard_hold(request_id text, from_account uuid, to_account uuid, amount numeric, expires_in interval, metadata jsonb) IS 'Shard side of the router''s hold(): pgbank.hold() between accounts of this shard; across shards 0A000';

CREATE FUNCTION pgbank.shard_reverse(request_id text, transaction_id bigint, amount numeric DEFAULT NULL::numeric, metadata jsonb DEFAULT NULL::jsonb) RETURNS pgbank.reverse_result
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pgbank', 'pg_temp'
    AS $$
DECLARE
  account uuid;  -- this shard's account in a transfer between shards
BEGIN
  -- A transfer between shards is a payer -> clearing row here (or its return) in the outbox, or a
  -- clearing -> payee row in the inbox: found by index, without searching the ledger. Taking it
  -- back would take the money from the payee on the other shard and deliver it back: two shards,
  -- two transactions, and the payee may have spent it.
  SELECT o.account INTO account FROM shard_outbox o
   WHERE o.transaction_id = shard_reverse.transaction_id OR o.return_transaction_id = shard_reverse.transaction_id;
  IF NOT FOUND THEN
    SELECT b.to_account INTO account FROM shard_inbox b WHERE b.transaction_id = shard_reverse.transaction_id;
  END IF;
  IF account IS NOT NULL THEN
    RAISE EXCEPTION USING ERRCODE = '0A000',
      MESSAGE = format('reverse: transaction %s of account %L is part of a transfer between shards: reversals across shards are not supported',
                       transaction_id, account),
      HINT = 'the payee can transfer the money back (a transfer in the other direction)';
  END IF;
  RETURN pgbank.reverse(request_id, transaction_id, amount, metadata);
END
$$;

ALTER FUNCTION pgbank.shard_reverse(request_id text, transaction_id bigint, amount numeric, metadata jsonb) OWNER TO postgres;

COMMENT ON FUNCTION pgbank.shard_reverse(request_id text, transaction_id bigint, amount numeric, metadata jsonb) IS 'Shard side of the router''s reverse(): pgbank.reverse() on the shard that owns the transaction; a row of a transfer between shards (its outbox or inbox names it) is refused with 0A000';

CREATE FUNCTION pgbank.shard_reverse_check(request_id text, transaction_id bigint, amount numeric DEFAULT NULL::numeric, metadata jsonb DEFAULT NULL::jsonb) RETURNS SETOF integer
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pgbank', 'pg_temp'
    AS $$
DECLARE
  o transactions;
BEGIN
  -- The checks of pgbank.reverse(), in its order: every shard raises the same error for bad input.
  PERFORM pgbank_private.check_request_id('reverse', request_id);
  IF transaction_id IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'reverse: transaction_id must not be NULL';
  END IF;
  IF amount IS NOT NULL THEN
    PERFORM pgbank_private.check_amount('reverse', amount);
  END IF;
  PERFORM pgbank_private.check_metadata('reverse', metadata);
  -- An id this shard never drew (another shard's range, or one not drawn yet) is not looked for: a
  -- miss searches every day partition (0.7 s on an idle shard).
  IF transaction_id > (SELECT s.last_value FROM pgbank.transactions_id_seq s)
     OR transaction_id < (SELECT q.seqmin FROM pg_sequence q WHERE q.seqrelid = 'pgbank.transactions_id_seq'::regclass)
        AND transaction_id > (SELECT c.older_ids_up_to FROM shard_config c) THEN
    RETURN;
  END IF;
  o := pgbank_private.find_transaction(transaction_id);
  -- Ours: the row is here and so is the account that would pay the reversal back (its receiver;
  -- for a withdrawal, its sender). A row of a clearing account is ours too, to be refused here.
  IF o.id IS NOT NULL AND (pgbank_private.is_clearing(o.sender) OR pgbank_private.is_clearing(o.receiver)
                           OR pgbank_private.remote_shard(CASE WHEN o.receiver = pgbank_private.world() THEN o.sender ELSE o.receiver END) IS NULL) THEN
    RETURN NEXT coalesce((SELECT c.shard_no FROM shard_config c), 0);
  END IF;
END
$$;

ALTER FUNCTION pgbank.shard_reverse_check(request_id text, transaction_id bigint, amount numeric, metadata jsonb) OWNER TO postgres;

COMMENT ON FUNCTION pgbank.shard_reverse_check(request_id text, transaction_id bigint, amount numeric, metadata jsonb) IS 'Shard side of the router''s reverse(), run on all shards first: reverse()''s argument checks; this shard''s number when the transaction and the account paying its reversal are here';

CREATE FUNCTION pgbank.shard_set_account_status(account uuid, status text, reason text, changed_by text, credits_frozen boolean DEFAULT false) RETURNS pgbank.account
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pgbank', 'pg_temp'
    AS $$
BEGIN
  -- A frozen or closed clearing account would stop the delivery of every transfer between this
  -- shard and its peer (credits returned, returns refused): only the delivery moves its money.
  PERFORM pgbank_private.check_not_clearing('set_account_status', account);
  RETURN pgbank.set_account_status(account, status, reason, changed_by, credits_frozen);
END
$$;

ALTER FUNCTION pgbank.shard_set_account_status(account uuid, status text, reason text, changed_by text, credits_frozen boolean) OWNER TO postgres;

COMMENT ON FUNCTION pgbank.shard_set_account_status(account uuid, status text, reason text, changed_by text, credits_frozen boolean) IS 'Shard side of the router''s set_account_status(): pgbank.set_account_status(), refusing clearing accounts (22023)';

CREATE FUNCTION pgbank.shard_top_up(request_id text, account uuid, amount numeric, metadata jsonb DEFAULT NULL::jsonb) RETURNS pgbank.transfer_result
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pgbank', 'pg_temp'
    AS $$
BEGIN
  PERFORM pgbank_private.check_not_clearing('top_up', account);
  RETURN pgbank.top_up(request_id, account, amount, metadata);
END
$$;

ALTER FUNCTION pgbank.shard_top_up(request_id text, account uuid, amount numeric, metadata jsonb) OWNER TO postgres;

COMMENT ON FUNCTION pgbank.shard_top_up(request_id text, account uuid, amount numeric, metadata jsonb) IS 'Shard side of the router''s top_up(): pgbank.top_up(), refusing clearing accounts (22023)';

CREATE FUNCTION pgbank.shard_transfer(request_id text, from_account uuid, to_account uuid, amount numeric, metadata jsonb DEFAULT NULL::jsonb) RETURNS pgbank.transfer_result
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pgbank', 'pg_temp'
    AS $$
DECLARE
  peer int := pgbank_private.remote_shard(to_account);
BEGIN
  PERFORM pgbank_private.check_not_clearing('transfer', from_account, to_account);
  IF peer IS NULL THEN
    RETURN pgbank.transfer(request_id, from_account, to_account, amount, metadata);
  END IF;
  -- The checks of pgbank.transfer(), in its order (to_account is not NULL here).
  PERFORM pgbank_private.check_request_id('transfer', request_id);
  IF from_account IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'transfer: from_account must not be NULL';
  END IF;
  PERFORM pgbank_private.check_amount('transfer', amount);
  PERFORM pgbank_private.check_metadata('transfer', metadata);
  RETURN pgbank_private.send_to_shard(request_id, from_account, to_account, round(amount, 2), peer, metadata);
END
$$;

ALTER FUNCTION pgbank.shard_transfer(request_id text, from_account uuid, to_account uuid, amount numeric, metadata jsonb) OWNER TO postgres;

COMMENT ON FUNCTION pgbank.shard_transfer(request_id text, from_account uuid, to_account uuid, amount numeric, metadata jsonb) IS 'Shard side of the router''s transfer(): local when the payee is on this shard, else debits the payer to a clearing account (in_transit) for delivery; metadata goes on the payer''s and the payee''s rows';

CREATE FUNCTION pgbank.shard_transfer_batch(request_id text, from_accounts uuid[], to_accounts uuid[], amounts numeric[], metadata jsonb DEFAULT NULL::jsonb) RETURNS SETOF pgbank.transfer_result
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pgbank', 'pg_temp'
    AS $$
DECLARE
  foreign_id uuid;
BEGIN
  -- All or nothing needs one transaction: every account on this shard (the world is on all).
  SELECT a INTO foreign_id FROM unnest(from_accounts || to_accounts) a
   WHERE pgbank_private.is_clearing(a) OR pgbank_private.remote_shard(a) IS NOT NULL LIMIT 1;
  IF pgbank_private.is_clearing(foreign_id) THEN
    PERFORM pgbank_private.check_not_clearing('transfer_batch', foreign_id);
  ELSIF foreign_id IS NOT NULL THEN
    RAISE EXCEPTION USING ERRCODE = '0A000',
      MESSAGE = format('transfer_batch: account %L is on shard %s, not on shard %s with from_accounts[1]: a batch across shards is not supported',
                       foreign_id, pgbank_private.remote_shard(foreign_id), (SELECT c.shard_no FROM shard_config c)),
      HINT = 'a batch is all or nothing on one shard; use transfers() for independent transfers across shards';
  END IF;
  RETURN QUERY SELECT * FROM pgbank.transfer_batch(request_id, from_accounts, to_accounts, amounts, metadata);
END
$$;

ALTER FUNCTION pgbank.shard_transfer_batch(request_id text, from_accounts uuid[], to_accounts uuid[], amounts numeric[], metadata jsonb) OWNER TO postgres;

COMMENT ON FUNCTION pgbank.shard_transfer_batch(request_id text, from_accounts uuid[], to_accounts uuid[], amounts numeric[], metadata jsonb) IS 'Shard side of the router''s transfer_batch(): pgbank.transfer_batch() when every account is on this shard; otherwise 0A000';

CREATE FUNCTION pgbank.shard_transfers(request_ids text[], from_accounts uuid[], to_accounts uuid[], amounts numeric[]) RETURNS SETOF pgbank.transfer_result
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pgbank', 'pg_temp'
    AS $$
DECLARE
  foreign_id uuid;
BEGIN
  -- Every account of the call on this shard (the world is on all): one transaction, locks in one order.
  SELECT a INTO foreign_id FROM unnest(from_accounts || to_accounts) a
   WHERE pgbank_private.is_clearing(a) OR pgbank_private.remote_shard(a) IS NOT NULL LIMIT 1;
  IF pgbank_private.is_clearing(foreign_id) THEN
    PERFORM pgbank_private.check_not_clearing('transfers', foreign_id);
  ELSIF foreign_id IS NOT NULL THEN
    RAISE EXCEPTION USING ERRCODE = '0A000',
      MESSAGE = format('transfers: account %L is on shard %s, not on shard %s with from_accounts[1]: transfers() with accounts on several shards is not supported',
                       foreign_id, pgbank_private.remote_shard(foreign_id), (SELECT c.shard_no FROM shard_config c)),
      HINT = 'call transfer() for each item whose accounts are on other shards';
  END IF;
  RETURN QUERY SELECT * FROM pgbank.transfers(request_ids, from_accounts, to_accounts, amounts);
END
$$;

ALTER FUNCTION pgbank.shard_transfers(request_ids text[], from_accounts uuid[], to_accounts uuid[], amounts numeric[]) OWNER TO postgres;

COMMENT ON FUNCTION pgbank.shard_transfers(request_ids text[], from_accounts uuid[], to_accounts uuid[], amounts numeric[]) IS 'Shard side of the router''s transfers(): pgbank.transfers() when every account is on this shard; otherwise 0A000';

CREATE FUNCTION pgbank.sum_amount(user_id uuid, ts_start timestamp without time zone, ts_end timestamp without time zone, direction text, OUT sum_amount numeric, OUT response_time_seconds double precision) RETURNS record
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pgbank', 'pg_temp'
    AS $$
DECLARE
  started timestamptz := clock_timestamp();
  units   smallint;  -- the account's currency's minor units: the sum has exactly as many decimals
BEGIN
  IF user_id IS NULL OR ts_start IS NULL OR ts_end IS NULL OR direction IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22004',
      MESSAGE = format('sum_amount: %s must not be NULL',
        concat_ws(', ', CASE WHEN user_id IS NULL THEN 'user_id' END, CASE WHEN ts_start IS NULL THEN 'ts_start' END,
                        CASE WHEN ts_end IS NULL THEN 'ts_end' END, CASE WHEN direction IS NULL THEN 'direction' END));
  END IF;
  IF direction NOT IN ('sender', 'receiver') THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('sum_amount: unknown direction %s', pgbank_private.shown(direction)),
      HINT = 'direction is ''sender'' or ''receiver''';
  END IF;
  IF ts_start > ts_end THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('sum_amount: ts_start %L is after ts_end %L', ts_start, ts_end),
      HINT = 'the window is [ts_start, ts_end), so ts_start <= ts_end';
  END IF;
  SELECT u.minor_units INTO units FROM users u WHERE u.id = sum_amount.user_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'P0002', MESSAGE = format('sum_amount: unknown user %L', user_id);
  ELSIF user_id = pgbank_private.world() THEN
    RAISE EXCEPTION USING ERRCODE = 'P0002', MESSAGE = format('sum_amount: %L is the world account, which keeps no totals', user_id),
      HINT = 'the world is the other side of top-ups and withdrawals; sum the accounts instead';
  END IF;

  sum_amount := round(pgbank_private.sum_window(user_id, ts_start, ts_end, direction), units);  -- 0.00 (USD) when nothing matches
  response_time_seconds := extract(epoch FROM clock_timestamp() - started)::double precision;
END
$$;

ALTER FUNCTION pgbank.sum_amount(user_id uuid, ts_start timestamp without time zone, ts_end timestamp without time zone, direction text, OUT sum_amount numeric, OUT response_time_seconds double precision) OWNER TO postgres;

COMMENT ON FUNCTION pgbank.sum_amount(user_id uuid, ts_start timestamp without time zone, ts_end timestamp without time zone, direction text, OUT sum_amount numeric, OUT response_time_seconds double precision) IS 'Exact sum of a user''s effective transactions as ''sender'' or ''receiver'' in [ts_start, ts_end), timestamps in UTC; with the database time taken';

CREATE FUNCTION pgbank.top_up(request_id text, account uuid, amount numeric, metadata jsonb DEFAULT NULL::jsonb) RETURNS pgbank.transfer_result
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pgbank', 'pg_temp'
    AS $$
DECLARE
  tx_id  bigint;
  tx_ts  timestamptz := now();
  status text;
  reason text;
  r      pgbank.hold_result;
BEGIN
  IF request_id IS NULL OR request_id = '' OR length(request_id) > 200 THEN
    PERFORM pgbank_private.check_request_id('top_up', request_id);
  END IF;
  IF account IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'top_up: account must not be NULL';
  END IF;
  IF amount IS NULL OR NOT (amount > 0 AND amount <= 999999999999999.99) OR (scale(amount) > 4 AND amount <> round(amount, 4)) THEN
    PERFORM pgbank_private.check_money('top_up', amount);
  END IF;
  IF metadata IS NOT NULL THEN
    PERFORM pgbank_private.check_metadata('top_up', metadata);
  END IF;
  IF account = '00000000-0000-0000-0000-000000000000' THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('top_up: account %L is the world account', account), HINT = 'money from outside comes in by top_up';
  END IF;
  IF scale(amount) > 4 THEN  -- '1.0000000000': the same amount; the trigger stores it with its currency's decimals
    amount := round(amount, 4);
  END IF;
  tx_id := nextval('pgbank.transactions_id_seq');
  -- A top-up's request belongs to the account topped up; recorded first, as in transfer().
  INSERT INTO pgbank.requests (account, request_id, kind, transaction_ids, ts)
  VALUES (account, request_id, 'top_up', ARRAY[tx_id], tx_ts)
  ON CONFLICT ON CONSTRAINT requests_pkey DO NOTHING;
  IF NOT FOUND THEN
    r := pgbank_private.replay_one('top_up', account, request_id, account, amount, NULL);
    RETURN (r.request_id, r.status, r.reason, r.transaction_id, r.ts, r.from_account, r.to_account, r.amount, r.replayed);
  END IF;
  INSERT INTO pgbank.transactions (id, ts, sender, receiver, amount, status, metadata)
  VALUES (tx_id, tx_ts, '00000000-0000-0000-0000-000000000000', account, amount, 'init', top_up.metadata)
  RETURNING transactions.status, transactions.reason, transactions.amount INTO status, reason, amount;
  RETURN (request_id, status, reason, tx_id, tx_ts, '00000000-0000-0000-0000-000000000000'::uuid, account, amount, false);
END
$$;

ALTER FUNCTION pgbank.top_up(request_id text, account uuid, amount numeric, metadata jsonb) OWNER TO postgres;

COMMENT ON FUNCTION pgbank.top_up(request_id text, account uuid, amount numeric, metadata jsonb) IS 'Top up an account from outside (the world account), idempotent per (account, request_id); metadata (a JSON object) is kept with the ledger row';

CREATE FUNCTION pgbank.transfer(request_id text, from_account uuid, to_account uuid, amount numeric, metadata jsonb DEFAULT NULL::jsonb) RETURNS pgbank.transfer_result
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pgbank', 'pg_temp'
    AS $$
DECLARE
  tx_id       bigint;
  tx_ts       timestamptz := now();
  outcome     text;
  why         text;
  r           pgbank.hold_result;
  cur         text;      -- the first account's currency, read with its lock
  units       smallint;  -- its minor units: the amount is moved and stored with as many decimals
  low_version bigint;    -- the first account's version when it was locked
  moved       int;       -- accounts the two-account statement moved
  moved_one   uuid;      -- the account it moved when it moved one
BEGIN
  -- The hot path: every check inline; the helpers only run to name what is wrong.
  IF request_id IS NULL OR request_id = '' OR length(request_id) > 200 THEN
    PERFORM pgbank_private.check_request_id('transfer', request_id);
  END IF;
  IF from_account IS NULL OR to_account IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = format('transfer: %s must not be NULL',
      concat_ws(', ', CASE WHEN from_account IS NULL THEN 'from_account' END, CASE WHEN to_account IS NULL THEN 'to_account' END));
  END IF;
  IF amount IS NULL OR NOT (amount > 0 AND amount <= 999999999999999.99) OR (scale(amount) > 4 AND amount <> round(amount, 4)) THEN
    PERFORM pgbank_private.check_money('transfer', amount);
  END IF;
  IF metadata IS NOT NULL THEN
    PERFORM pgbank_private.check_metadata('transfer', metadata);
  END IF;
  IF from_account = '00000000-0000-0000-0000-000000000000' THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('transfer: from_account %L is the world account', from_account), HINT = 'money from outside comes in by top_up';
  END IF;
  IF scale(amount) > 4 THEN  -- '1.0000000000': the same amount; the trigger stores it with its currency's decimals
    amount := round(amount, 4);
  END IF;
  tx_id := nextval('pgbank.transactions_id_seq');
  -- Idempotency: the request is recorded first; a repeat racing this call waits here until it
  -- commits, then replays its outcome (read back from its ledger row).
  INSERT INTO pgbank.requests (account, request_id, kind, transaction_ids, ts)
  VALUES (from_account, request_id, 'transfer', ARRAY[tx_id], tx_ts)
  ON CONFLICT ON CONSTRAINT requests_pkey DO NOTHING;
  IF NOT FOUND THEN
    r := pgbank_private.replay_one('transfer', from_account, request_id, to_account, amount, NULL);
    RETURN (r.request_id, r.status, r.reason, r.transaction_id, r.ts, r.from_account, r.to_account, r.amount, r.replayed);
  END IF;
  -- The usual case, two accounts: the first in id order is locked (its currency read with it),
  -- then one UPDATE locks the second, checks both and moves both, and the ledger row goes in
  -- decided, marked writer_moved so its trigger stays out. Otherwise (the other moved fewer than
  -- two: taken back) the row goes in as an attempt ('init') and its trigger decides it the careful
  -- way, naming the reason; the first account is already ours, so the id order still holds.
  IF from_account <> to_account AND to_account <> '00000000-0000-0000-0000-000000000000' THEN
    SELECT u.currency, u.minor_units, u.version INTO cur, units, low_version
      FROM pgbank.users u WHERE u.id = least(from_account, to_account) FOR UPDATE;
    IF FOUND AND amount = round(amount, units) THEN
      IF scale(amount) <> units THEN
        amount := round(amount, units);
      END IF;
      UPDATE pgbank.users u
         SET balance = u.balance + CASE WHEN u.id = from_account THEN -amount ELSE amount END,
             day_sent = u.day_sent + CASE WHEN u.id = from_account THEN amount ELSE 0 END,
             day_received = u.day_received + CASE WHEN u.id = from_account THEN 0 ELSE amount END,
             version = u.version + 1, modified_at = now()
       WHERE u.id = ANY (ARRAY[from_account, to_account]) AND u.totals_day = (tx_ts AT TIME ZONE 'UTC')::date AND u.currency = cur
         AND CASE WHEN u.id = from_account THEN u.status = 'open' AND (u.balance - u.held - amount >= u.lower_limit OR u.lower_limit IS NULL)
                  ELSE u.balance <= 999999999999999999.99 - amount AND (u.status = 'open' OR (u.status = 'frozen' AND NOT u.credits_frozen)) END;
      GET DIAGNOSTICS moved = ROW_COUNT;
      IF moved = 2 THEN
        INSERT INTO pgbank.transactions (id, ts, sender, receiver, amount, status, metadata, writer_moved)
        VALUES (tx_id, tx_ts, from_account, to_account, amount, 'success', transfer.metadata, true);
        RETURN (request_id, 'success'::text, NULL::text, tx_id, tx_ts, from_account, to_account, amount, false);
      END IF;
      IF moved = 1 THEN  -- one account moved: take it back (its row is ours either way)
        moved_one := CASE WHEN (SELECT u.version FROM pgbank.users u WHERE u.id = least(from_account, to_account)) > low_version
                          THEN least(from_account, to_account) ELSE greatest(from_account, to_account) END;
        PERFORM pgbank_private.take_back(moved_one, CASE WHEN moved_one = from_account THEN amount ELSE 0 END,
                                         CASE WHEN moved_one = from_account THEN 0 ELSE amount END, tx_ts);
      END IF;
    END IF;
  END IF;
  INSERT INTO pgbank.transactions (id, ts, sender, receiver, amount, status, metadata)
  VALUES (tx_id, tx_ts, from_account, to_account, amount, 'init', transfer.metadata)
  RETURNING transactions.status, transactions.reason, transactions.amount INTO outcome, why, amount;
  RETURN (request_id, outcome, why, tx_id, tx_ts, from_account, to_account, amount, false);
END
$$;

ALTER FUNCTION pgbank.transfer(request_id text, from_account uuid, to_account uuid, amount numeric, metadata jsonb) OWNER TO postgres;

COMMENT ON FUNCTION pgbank.transfer(request_id text, from_account uuid, to_account uuid, amount numeric, metadata jsonb) IS 'Transfer amount from one account to another, idempotent per (from_account, request_id); status success or failed with a reason; metadata (a JSON object) is kept with the ledger row';

CREATE FUNCTION pgbank.transfer_batch(request_id text, from_accounts uuid[], to_accounts uuid[], amounts numeric[], metadata jsonb DEFAULT NULL::jsonb) RETURNS SETOF pgbank.transfer_result
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pgbank', 'pg_temp'
    AS $$
DECLARE
  n        int;
  owner    uuid;
  acct     users;
  account_id uuid;
  replayed boolean := false;
  avail    jsonb := '{}'::jsonb;   -- account id -> how far it may still go down (available - lower limit), as the batch goes
  blocks   jsonb := '{}'::jsonb;   -- account id -> {"debit": account_frozen/closed, "credit": ...} where it refuses one
  currencies jsonb := '{}'::jsonb; -- account id -> its currency
  units    jsonb := '{}'::jsonb;   -- account id -> its currency's minor units
  places   int;                    -- an item's minor units
  reason   text;
  failed_i int;
  req      requests;
  tx_ts    timestamptz := now();
  ids      bigint[];
BEGIN
  PERFORM pgbank_private.check_request_id('transfer_batch', request_id);
  IF from_accounts IS NULL OR to_accounts IS NULL OR amounts IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'transfer_batch: from_accounts, to_accounts and amounts must not be NULL';
  END IF;
  -- ('[0:1]={a,b}' would check one item and write another)
  PERFORM pgbank_private.check_item_arrays('transfer_batch', 'from_accounts, to_accounts and amounts',
    array_dims(from_accounts), array_dims(to_accounts), array_dims(amounts));
  n := cardinality(amounts);
  owner := from_accounts[1];
  IF n IS NULL OR n = 0 OR n > 1000 OR cardinality(from_accounts) <> n OR cardinality(to_accounts) <> n THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('transfer_batch: from_accounts, to_accounts and amounts must have the same length, 1 to 1000 (got %s, %s, %s)',
                       cardinality(from_accounts), cardinality(to_accounts), cardinality(amounts));
  END IF;
  IF array_position(from_accounts, NULL) IS NOT NULL OR array_position(to_accounts, NULL) IS NOT NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = format('transfer_batch: item %s names a NULL account',
      least(array_position(from_accounts, NULL), array_position(to_accounts, NULL)));
  END IF;
  FOR i IN 1 .. n LOOP
    PERFORM pgbank_private.check_money('transfer_batch', amounts[i], format('amounts[%s]', i));
  END LOOP;
  PERFORM pgbank_private.check_metadata('transfer_batch', metadata);
  IF array_position(from_accounts, pgbank_private.world()) IS NOT NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('transfer_batch: item %s pays from the world account %L', array_position(from_accounts, pgbank_private.world()), pgbank_private.world()),
      HINT = 'money from outside comes in by top_up';
  END IF;

  -- Every account of the batch, in the global order, one row per statement (never the world).
  FOR account_id IN SELECT DISTINCT a FROM unnest(from_accounts || to_accounts) AS a
                     WHERE a <> pgbank_private.world() ORDER BY a LOOP
    SELECT * INTO acct FROM users u WHERE u.id = account_id FOR UPDATE;
    IF FOUND THEN
      avail := avail || jsonb_build_object(acct.id, acct.balance - acct.held - acct.lower_limit);
      currencies := currencies || jsonb_build_object(acct.id, acct.currency);
      units := units || jsonb_build_object(acct.id, acct.minor_units);
      IF acct.status <> 'open' THEN
        blocks := blocks || jsonb_build_object(acct.id, jsonb_strip_nulls(jsonb_build_object(
          'debit', 'account_' || acct.status,
          'credit', CASE WHEN acct.status = 'closed' OR acct.credits_frozen THEN 'account_' || acct.status END)));
      END IF;
    END IF;
  END LOOP;
  -- Each amount is in its payer's currency (the payee's when the payer is unknown): at most its
  -- decimals (22023 for the batch, nothing written), kept with exactly as many.
  FOR i IN 1 .. n LOOP
    places := coalesce((units ->> from_accounts[i]::text)::int, (units ->> to_accounts[i]::text)::int, (pgbank_private.default_currency()).minor_units);
    IF amounts[i] <> round(amounts[i], places) THEN
      RAISE EXCEPTION USING ERRCODE = '22023',
        MESSAGE = format('transfer_batch: item %s: amount %s has more decimals than %s allows (%s)', i, amounts[i],
                         coalesce(currencies ->> from_accounts[i]::text, currencies ->> to_accounts[i]::text, (pgbank_private.default_currency()).code), places),
        HINT = 'an amount has at most its currency''s minor units: JPY 0, USD 2, BHD 3';
    END IF;
    amounts[i] := round(amounts[i], places);
  END LOOP;
  IF NOT avail ? owner::text THEN
    PERFORM pg_advisory_xact_lock(hashtextextended(owner::text || '/' || request_id, 0));
  END IF;

  SELECT * INTO req FROM requests r WHERE r.account = owner AND r.request_id = transfer_batch.request_id;
  IF FOUND THEN
    PERFORM pgbank_private.replay_request(req, 'batch', to_accounts, amounts, NULL, from_accounts);
    replayed := true;
  ELSE
    FOR i IN 1 .. n LOOP
      reason := CASE WHEN from_accounts[i] = to_accounts[i] THEN 'same_account'
                     WHEN NOT avail ? from_accounts[i]::text
                       OR NOT (to_accounts[i] = pgbank_private.world() OR avail ? to_accounts[i]::text) THEN 'unknown_account'
                     WHEN coalesce(blocks -> from_accounts[i]::text ->> 'debit', blocks -> to_accounts[i]::text ->> 'credit') IS NOT NULL
                       THEN coalesce(blocks -> from_accounts[i]::text ->> 'debit', blocks -> to_accounts[i]::text ->> 'credit')
                     WHEN currencies ->> from_accounts[i]::text <> currencies ->> to_accounts[i]::text THEN 'currency_mismatch'
                     WHEN (avail ->> from_accounts[i]::text)::numeric < amounts[i] THEN 'insufficient_funds' END;
      IF reason IS NOT NULL THEN
        failed_i := i;
        EXIT;
      END IF;
      IF avail ->> from_accounts[i]::text IS NOT NULL THEN
        avail := jsonb_set(avail, ARRAY[from_accounts[i]::text], to_jsonb((avail ->> from_accounts[i]::text)::numeric - amounts[i]));
      END IF;
      IF avail ->> to_accounts[i]::text IS NOT NULL THEN
        avail := jsonb_set(avail, ARRAY[to_accounts[i]::text], to_jsonb((avail ->> to_accounts[i]::text)::numeric + amounts[i]));
      END IF;
    END LOOP;
    IF reason IS NULL THEN  -- no balance may pass its bound (checked on the locked rows)
      SELECT x.t INTO account_id
        FROM unnest(to_accounts, amounts) AS x(t, a) JOIN users u ON u.id = x.t
       WHERE x.t <> pgbank_private.world()
       GROUP BY x.t, u.balance HAVING u.balance > pgbank_private.max_balance() - sum(x.a) LIMIT 1;
      IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
          MESSAGE = format('transfer_batch: the amounts to account %L would take its balance past %s', account_id, pgbank_private.max_balance()),
          HINT = 'a balance is at most 999,999,999,999,999,999.99';
      END IF;
    END IF;
    -- All items are written; the triggers move the money only when the batch succeeded.
    WITH written AS (
      INSERT INTO transactions (ts, sender, receiver, amount, status, reason, metadata)
      SELECT tx_ts, f, t, a, CASE WHEN reason IS NULL THEN 'success' ELSE 'failed' END, reason, transfer_batch.metadata
        FROM unnest(from_accounts, to_accounts, amounts) WITH ORDINALITY AS x(f, t, a, i)
       ORDER BY x.i
      RETURNING id)
    SELECT array_agg(id ORDER BY id) INTO ids FROM written;
    INSERT INTO requests AS r (account, request_id, kind, from_accounts, to_accounts, amounts, status, reason, transaction_ids, ts)
    VALUES (owner, request_id, 'batch', from_accounts, to_accounts, amounts,
            CASE WHEN reason IS NULL THEN 'success' ELSE 'failed' END,
            CASE WHEN reason IS NOT NULL THEN format('%s (item %s)', reason, failed_i) END, ids, tx_ts)
    RETURNING * INTO req;
  END IF;
  RETURN QUERY
    SELECT req.request_id::text, req.status::text, req.reason, req.transaction_ids[x.i], req.ts, x.f, x.t, x.a, replayed
      FROM unnest(req.from_accounts, req.to_accounts, req.amounts) WITH ORDINALITY AS x(f, t, a, i)
     ORDER BY x.i;
END
$$;

ALTER FUNCTION pgbank.transfer_batch(request_id text, from_accounts uuid[], to_accounts uuid[], amounts numeric[], metadata jsonb) OWNER TO postgres;

COMMENT ON FUNCTION pgbank.transfer_batch(request_id text, from_accounts uuid[], to_accounts uuid[], amounts numeric[], metadata jsonb) IS 'Transfer many amounts at once, all or nothing (an exchange through liquidity accounts: metadata names the rate), idempotent per (from_accounts[1], request_id); one result row per item';

CREATE FUNCTION pgbank.transfers(request_ids text[], from_accounts uuid[], to_accounts uuid[], amounts numeric[]) RETURNS SETOF pgbank.transfer_result
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pgbank', 'pg_temp'
    SET enable_hashjoin TO 'off'
    SET enable_seqscan TO 'off'
    SET enable_bitmapscan TO 'off'
    AS $_$
DECLARE
  world    CONSTANT uuid := pgbank_private.world();
  n        int;
  bad      int;
  ids      uuid[];     -- the call's existing accounts, in id order; rooms and balances by the same position
  rooms    numeric[];  -- how far each may still go down (balance - held - lower limit; NULL: no limit), as the items go
  balances numeric[];
  debit_blocks  text[];  -- account_frozen / account_closed where an account takes no debits, by the same position
  credit_blocks text[];  -- ... no credits
  codes    text[];     -- their currencies, by the same position
  current  boolean[];  -- their rows hold today's day totals, by the same position
  scaled   numeric[];  -- the amounts with their currencies' decimals
  tx_ids   bigint[];   -- per item: the ledger row it gets if it is new
  fresh    boolean[];  -- per item: this call recorded its request
  firsts   int[];      -- per item: the first item of this call with the same (from_account, request_id)
  payer_at int[];      -- per item: its accounts' positions in ids (NULL: no such account)
  payee_at int[];
  f uuid; t uuid; a numeric; k text;
  reason   text;
  status   text;
  req      requests;
  res      transfer_result;
  tx_ts    timestamptz := now();
  outcomes transfer_result[];  -- per item, for repeats within the call
  sent     numeric[];  -- per account (by position in ids): what the call's items send, receive, how many movements
  received numeric[];
  moves    int[];
  late     uuid[];     -- accounts whose row holds an earlier day: what they send and receive, how many movements
  late_sent numeric[];
  late_received numeric[];
  late_moves bigint[];
  failures int := 0;  -- new items that failed: their rows, written 'success', become 'failed'
  simple   boolean;    -- every item from a known account to a known one of its currency (or to the world)
  item_codes text[];   -- per item: its currency (its payer's; the payee's when the payer is unknown; else the default)
  acc_codes text[];
  acc      uuid[];     -- the fast way: the call's accounts in id order, and by the same position
  acc_sent numeric[];  -- what their items send and receive, how many movements,
  acc_received numeric[];
  acc_moves bigint[];
  acc_need numeric[];  -- the room each must have for all its debits to pass in item order,
  acc_up   numeric[];  -- and the most its balance rises on the way
  moved    bigint;
BEGIN
  IF request_ids IS NULL OR from_accounts IS NULL OR to_accounts IS NULL OR amounts IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = format('transfers: %s must not be NULL',
      concat_ws(', ', CASE WHEN request_ids IS NULL THEN 'request_ids' END, CASE WHEN from_accounts IS NULL THEN 'from_accounts' END,
                      CASE WHEN to_accounts IS NULL THEN 'to_accounts' END, CASE WHEN amounts IS NULL THEN 'amounts' END));
  END IF;
  PERFORM pgbank_private.check_item_arrays('transfers', 'request_ids, from_accounts, to_accounts and amounts',
    array_dims(request_ids), array_dims(from_accounts), array_dims(to_accounts), array_dims(amounts));
  n := cardinality(amounts);
  IF n = 0 OR n > 1000 OR cardinality(request_ids) <> n OR cardinality(from_accounts) <> n OR cardinality(to_accounts) <> n THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('transfers: request_ids, from_accounts, to_accounts and amounts must have the same length, 1 to 1000 (got %s, %s, %s, %s)',
                       cardinality(request_ids), cardinality(from_accounts), cardinality(to_accounts), cardinality(amounts));
  END IF;
  bad := least(array_position(from_accounts, NULL), array_position(to_accounts, NULL));
  IF bad IS NOT NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = format('transfers: item %s names a NULL account', bad);
  END IF;
  bad := array_position(from_accounts, world);
  IF bad IS NOT NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('transfers: item %s pays from the world account %L', bad, world), HINT = 'money from outside comes in by top_up';
  END IF;
  -- Every item's request id and amount, inline as in transfer(); the helpers name the first bad one.
  SELECT x.i INTO bad FROM unnest(request_ids, amounts) WITH ORDINALITY AS x(k, a, i)
   WHERE x.k IS NULL OR x.k = '' OR length(x.k) > 200
      OR x.a IS NULL OR NOT (x.a > 0 AND x.a <= 999999999999999.99) OR (scale(x.a) > 4 AND x.a <> round(x.a, 4))
   ORDER BY x.i LIMIT 1;
  IF bad IS NOT NULL THEN
    PERFORM pgbank_private.check_request_id(format('transfers: item %s', bad), request_ids[bad]),
            pgbank_private.check_money('transfers', amounts[bad], format('amounts[%s]', bad));
  END IF;
  -- Each amount in its payer's currency (the payee's when the payer is unknown, the default one when
  -- neither is): at most its decimals (22023 for the call, nothing written), kept with exactly as
  -- many. A currency never changes, so the accounts are read without a lock.
  SELECT array_agg(round(x.a, x.places) ORDER BY x.i), min(x.i) FILTER (WHERE x.a <> round(x.a, x.places)),
         array_agg(x.code ORDER BY x.i), bool_and(x.simple)
    INTO scaled, bad, item_codes, simple
    FROM (SELECT x.i, x.a, coalesce(p.minor_units, r.minor_units, d.minor_units) AS places, coalesce(p.currency, r.currency, d.code) AS code,
                 coalesce(p.id IS NOT NULL AND (x.t = world OR r.id IS NOT NULL AND r.currency = p.currency), false) AS simple
            FROM unnest(from_accounts, to_accounts, amounts) WITH ORDINALITY AS x(f, t, a, i)
            LEFT JOIN users p ON p.id = x.f
            LEFT JOIN users r ON r.id = x.t AND r.id <> world
            CROSS JOIN pgbank_private.default_currency() d) x;
  IF bad IS NOT NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('transfers: item %s: amount %s has more decimals than %s allows (%s)', bad, amounts[bad], item_codes[bad],
                       (SELECT c.minor_units FROM currencies c WHERE c.code = item_codes[bad])),
      HINT = 'an amount has at most its currency''s minor units: JPY 0, USD 2, BHD 3';
  END IF;
  amounts := scaled;

  -- The new requests first, in key order: a repeat racing this call waits on its key until this
  -- call commits, and two calls never wait for each other's keys in opposite orders. Accounts are
  -- locked after the keys, as transfer()'s trigger does. An item whose key was recorded before is a repeat.
  tx_ids := ARRAY(SELECT nextval('pgbank.transactions_id_seq') FROM generate_series(1, n));
  SELECT array_agg(q.first ORDER BY q.i) INTO firsts
    FROM (SELECT x.i, min(x.i) OVER (PARTITION BY x.f, x.k COLLATE "C") AS first
            FROM unnest(from_accounts, request_ids) WITH ORDINALITY AS x(f, k, i)) q;
  WITH recorded AS (
    INSERT INTO requests (account, request_id, kind, transaction_ids, ts)
    SELECT x.f, x.k, 'transfer', ARRAY[x.t], tx_ts
      FROM unnest(from_accounts, request_ids, tx_ids) WITH ORDINALITY AS x(f, k, t, i)
     WHERE firsts[x.i] = x.i ORDER BY x.f, x.k COLLATE "C"
    ON CONFLICT ON CONSTRAINT requests_pkey DO NOTHING
    RETURNING transaction_ids[1] AS t)
  SELECT array_agg(x.t IN (SELECT r.t FROM recorded r) ORDER BY x.i) INTO fresh  -- a hashed subplan
    FROM unnest(tx_ids) WITH ORDINALITY AS x(t, i);

  -- The new items' ledger rows, before the accounts are locked (calls that share accounts wait
  -- for each other only from there): written as 'success' (an item from an account to itself as
  -- 'failed', same_account: the careful way below names an unknown one), the few that fail below
  -- are set to 'failed'. Marked writer_moved, they pass their insert trigger by: the balances, versions and
  -- day totals of the call's accounts move set-wise below, one UPDATE for all, checked under
  -- their locks.
  INSERT INTO transactions (id, ts, sender, receiver, amount, status, reason, writer_moved)
  SELECT x.t, tx_ts, x.f, x.r, x.a, CASE WHEN x.f = x.r THEN 'failed' ELSE 'success' END, CASE WHEN x.f = x.r THEN 'same_account' END, true
    FROM unnest(tx_ids, from_accounts, to_accounts, amounts, fresh) AS x(t, f, r, a, new)
   WHERE x.new ORDER BY x.t;

  -- The fast way, when every item is new and simple: each account's sums and the room its debits
  -- need in item order are known before any lock, so one UPDATE locks (in id order), checks and
  -- moves them all. It moves all of them or the subtransaction is undone, locks with it, and the
  -- call goes the careful way below (an account short of funds, frozen or closed, on its first
  -- movement of the day, past the largest balance): the lock is held for one statement and the commit.
  IF simple AND NOT (false = ANY (fresh)) THEN
    SELECT array_agg(e.account ORDER BY e.account), array_agg(e.sent ORDER BY e.account), array_agg(e.received ORDER BY e.account),
           array_agg(e.n ORDER BY e.account), array_agg(e.need ORDER BY e.account), array_agg(e.up ORDER BY e.account),
           array_agg(e.code ORDER BY e.account)
      INTO acc, acc_sent, acc_received, acc_moves, acc_need, acc_up, acc_codes
      FROM (SELECT e.account, sum(e.debit) AS sent, sum(e.credit) AS received, count(*) AS n, max(e.net) AS need, max(-e.net) AS up,
                   min(e.code) AS code
              FROM (SELECT v.account, v.debit, v.credit, x.c AS code,
                           sum(v.debit - v.credit) OVER (PARTITION BY v.account ORDER BY x.i) AS net
                      FROM unnest(from_accounts, to_accounts, amounts, item_codes) WITH ORDINALITY AS x(f, t, a, c, i)
                      CROSS JOIN LATERAL (VALUES (x.f, x.a, 0::numeric), (x.t, 0::numeric, x.a)) AS v(account, debit, credit)
                     WHERE v.account <> world AND x.f <> x.t) e
             GROUP BY e.account) e;
    BEGIN
      UPDATE users u
         SET balance = u.balance + m.received - m.sent, day_sent = u.day_sent + m.sent, day_received = u.day_received + m.received,
             version = u.version + m.n, modified_at = now()
        FROM unnest(acc, acc_sent, acc_received, acc_moves, acc_need, acc_up, acc_codes,
                    array_fill((tx_ts AT TIME ZONE 'UTC')::date, ARRAY[coalesce(cardinality(acc), 0)]))
               AS m(account, sent, received, n, need, up, code, today)
       -- the day is matched against the call's accounts (a join clause), not filtered on users: the
       -- planner's count of accounts on today is as old as the last ANALYZE (see the UPDATE below)
       WHERE u.id = m.account AND u.totals_day = m.today AND u.currency = m.code
         AND (m.sent = 0 OR u.status = 'open' AND (u.lower_limit IS NULL OR u.balance - u.held - u.lower_limit >= m.need))
         AND (m.received = 0 OR u.status = 'open' OR u.status = 'frozen' AND NOT u.credits_frozen)
         AND (m.received = 0 OR u.balance <= pgbank_private.max_balance() - m.up);
      GET DIAGNOSTICS moved = ROW_COUNT;
      IF moved = coalesce(cardinality(acc), 0) THEN
        RETURN QUERY SELECT x.k, CASE WHEN x.f = x.t THEN 'failed' ELSE 'success' END, CASE WHEN x.f = x.t THEN 'same_account' END,
                            x.id, tx_ts, x.f, x.t, x.a, false
                       FROM unnest(request_ids, tx_ids, from_accounts, to_accounts, amounts) WITH ORDINALITY AS x(k, id, f, t, a, i)
                      ORDER BY x.i;
        RETURN;
      END IF;
      RAISE EXCEPTION USING ERRCODE = 'PB900', MESSAGE = 'transfers: the fast way moved only part of the accounts';  -- undone just below
    EXCEPTION WHEN SQLSTATE 'PB900' THEN
      NULL;
    END;
  END IF;

  -- Every account of the call, in the global order (the world is never locked): two calls, or a
  -- call and a transfer(), wait for each other instead of deadlocking.
  SELECT array_agg(u.id ORDER BY u.id), array_agg(u.room ORDER BY u.id), array_agg(u.balance ORDER BY u.id),
         array_agg(u.debit_block ORDER BY u.id), array_agg(u.credit_block ORDER BY u.id), array_agg(u.currency ORDER BY u.id),
         array_agg(u.totals_day IS NOT DISTINCT FROM (tx_ts AT TIME ZONE 'UTC')::date ORDER BY u.id)
    INTO ids, rooms, balances, debit_blocks, credit_blocks, codes, current
    FROM (SELECT u.id, u.balance - u.held - u.lower_limit AS room, u.balance, u.currency, u.totals_day,
                 CASE WHEN u.status <> 'open' THEN 'account_' || u.status END AS debit_block,
                 CASE WHEN u.status = 'closed' OR u.status = 'frozen' AND u.credits_frozen THEN 'account_' || u.status END AS credit_block
            FROM users u
           WHERE u.id = ANY (from_accounts || to_accounts) AND u.id <> world ORDER BY u.id FOR UPDATE) u;
  ids := coalesce(ids, '{}');
  sent := array_fill(0::numeric, ARRAY[cardinality(ids)]);
  received := sent;
  moves := array_fill(0, ARRAY[cardinality(ids)]);
  SELECT array_agg(pf.pos ORDER BY x.i), array_agg(pt.pos ORDER BY x.i) INTO payer_at, payee_at
    FROM unnest(from_accounts, to_accounts) WITH ORDINALITY AS x(f, t, i)
    LEFT JOIN unnest(ids) WITH ORDINALITY AS pf(id, pos) ON pf.id = x.f
    LEFT JOIN unnest(ids) WITH ORDINALITY AS pt(id, pos) ON pt.id = x.t;

  FOR i IN 1 .. n LOOP
    k := request_ids[i]; f := from_accounts[i]; t := to_accounts[i]; a := amounts[i];
    IF firsts[i] = i AND NOT fresh[i] THEN  -- a repeat of a request recorded before: its first outcome
      SELECT o.request_id, o.status, o.reason, o.transaction_id, o.ts, o.from_account, o.to_account, o.amount, true
        INTO res FROM pgbank_private.replay_one('transfer', f, k, t, a, NULL) o;
    ELSIF firsts[i] < i THEN  -- a repeat of an earlier item of this call: that item's outcome
      req := NULL;
      req.account := f; req.request_id := k; req.kind := 'transfer';
      req.to_accounts := ARRAY[(outcomes[firsts[i]]).to_account]; req.amounts := ARRAY[(outcomes[firsts[i]]).amount];
      PERFORM pgbank_private.replay_request(req, 'transfer', ARRAY[t], ARRAY[a], NULL);
      res := outcomes[firsts[i]];
      res.replayed := true;
    ELSE
      reason := CASE WHEN payer_at[i] IS NULL OR (payee_at[i] IS NULL AND t <> world) THEN 'unknown_account'
                     WHEN f = t THEN 'same_account'
                     WHEN coalesce(debit_blocks[payer_at[i]], credit_blocks[payee_at[i]]) IS NOT NULL
                       THEN coalesce(debit_blocks[payer_at[i]], credit_blocks[payee_at[i]])
                     WHEN codes[payer_at[i]] <> codes[payee_at[i]] THEN 'currency_mismatch'
                     WHEN rooms[payer_at[i]] < a THEN 'insufficient_funds' END;
      status := CASE WHEN reason IS NULL THEN 'success' ELSE 'failed' END;
      failures := failures + (reason IS NOT NULL AND reason <> 'same_account')::int;  -- that row went in failed already
      IF reason IS NULL THEN
        rooms[payer_at[i]] := rooms[payer_at[i]] - a;
        balances[payer_at[i]] := balances[payer_at[i]] - a;
        sent[payer_at[i]] := sent[payer_at[i]] + a;
        moves[payer_at[i]] := moves[payer_at[i]] + 1;
        IF t <> world THEN
          IF balances[payee_at[i]] > pgbank_private.max_balance() - a THEN
            RAISE EXCEPTION USING ERRCODE = '22023',
              MESSAGE = format('transfers: item %s: amount %s would take the balance of account %L past %s', i, a, t, pgbank_private.max_balance()),
              HINT = 'a balance is at most 999,999,999,999,999,999.99';
          END IF;
          rooms[payee_at[i]] := rooms[payee_at[i]] + a;
          balances[payee_at[i]] := balances[payee_at[i]] + a;
          received[payee_at[i]] := received[payee_at[i]] + a;
          moves[payee_at[i]] := moves[payee_at[i]] + 1;
        END IF;
      END IF;
      res := (k, status, reason, tx_ids[i], tx_ts, f, t, a, false);
    END IF;
    outcomes[i] := res;
    RETURN NEXT res;
  END LOOP;

  -- Constant bounds (a custom plan): only today's partition is opened, where a generic plan would lock them all.
  -- Their update trigger stays out while pgbank_private.set_wise_moves marks this transaction
  -- (only definer code can write it): nothing had moved for them.
  IF failures > 0 THEN
    INSERT INTO pgbank_private.set_wise_moves (xact) VALUES (pg_current_xact_id());
    EXECUTE format($q$UPDATE transactions t SET status = 'failed', reason = o.reason FROM unnest($1) o
                        WHERE o.status = 'failed' AND NOT o.replayed
                          AND t.sender = o.from_account AND t.ts = %L AND t.id = o.transaction_id
                          AND t.reason IS DISTINCT FROM o.reason$q$, tx_ts)  -- not the same-account rows
      USING outcomes;
    DELETE FROM pgbank_private.set_wise_moves WHERE xact = pg_current_xact_id();
  END IF;
  -- The accounts whose rows hold today's totals move in one UPDATE (their day is read under the lock
  -- above, not filtered here: the planner's idea of how many rows hold today is as old as the last
  -- ANALYZE, and a guess of one row once chose to scan every account for every item).
  UPDATE users u
     SET balance = u.balance + m.received - m.sent, day_sent = u.day_sent + m.sent, day_received = u.day_received + m.received,
         version = u.version + m.n, modified_at = now()
    FROM unnest(ids, sent, received, moves, current) AS m(account, sent, received, n, today)
   WHERE m.n > 0 AND m.today AND u.id = m.account;
  -- An account's first movement of the day rolls its row's day over, the careful way.
  SELECT array_agg(m.account), array_agg(m.sent), array_agg(m.received), array_agg(m.n) INTO late, late_sent, late_received, late_moves
    FROM unnest(ids, sent, received, moves, current) AS m(account, sent, received, n, today)
   WHERE m.n > 0 AND NOT m.today;
  FOR i IN 1 .. coalesce(cardinality(late), 0) LOOP
    PERFORM pgbank_private.move_account(late[i], late_sent[i], late_received[i], tx_ts, false);
    IF late_moves[i] > 1 THEN  -- a version per movement, as the row trigger counts them
      UPDATE users u SET version = u.version + late_moves[i] - 1 WHERE u.id = late[i];
    END IF;
  END LOOP;
END
$_$;

ALTER FUNCTION pgbank.transfers(request_ids text[], from_accounts uuid[], to_accounts uuid[], amounts numeric[]) OWNER TO postgres;

COMMENT ON FUNCTION pgbank.transfers(request_ids text[], from_accounts uuid[], to_accounts uuid[], amounts numeric[]) IS 'Up to 1,000 independent transfers in one call, each idempotent per (from_account, request_id) like transfer(); one result row per item, in order';

CREATE FUNCTION pgbank.verify_balances() RETURNS TABLE(account uuid, stored_balance numeric, actual_balance numeric, stored_held numeric, actual_held numeric)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pgbank', 'pg_temp'
    AS $$
  WITH actual AS (
    SELECT c.account, sum(c.balance) AS balance, sum(c.held) AS held
      FROM transactions t
     CROSS JOIN LATERAL (VALUES (t.sender,   CASE WHEN t.status = 'success' THEN -t.amount ELSE 0 END,
                                             CASE WHEN t.status = 'held' THEN t.amount ELSE 0 END),
                                (t.receiver, CASE WHEN t.status = 'success' THEN t.amount ELSE 0 END, 0)) AS c (account, balance, held)
     WHERE t.status IN ('success', 'held')
     GROUP BY 1
  )
  SELECT u.id, u.balance, coalesce(a.balance, 0.00), u.held, coalesce(a.held, 0.00)
    FROM users u
    LEFT JOIN actual a ON a.account = u.id
   WHERE u.id <> pgbank_private.world()  -- keeps no balance
     AND (u.balance <> coalesce(a.balance, 0) OR u.held <> coalesce(a.held, 0))
   ORDER BY 1
$$;

ALTER FUNCTION pgbank.verify_balances() OWNER TO postgres;

COMMENT ON FUNCTION pgbank.verify_balances() IS 'Audit: accounts whose balance or held amount differs from their transactions; empty when every balance is exact';

CREATE FUNCTION pgbank.verify_clearing() RETURNS TABLE(shard integer, peer integer, account uuid, stored_balance numeric, expected_balance numeric)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pgbank', 'pg_temp'
    AS $$
  -- The clearing account for peer p holds what was paid here for p (not returned) minus what p's
  -- payers had credited here.
  SELECT c.shard_no, p.peer, u.id, u.balance,
         coalesce((SELECT sum(o.amount) FROM shard_outbox o WHERE o.to_shard = p.peer AND o.status <> 'returned'), 0)
       - coalesce((SELECT sum(b.amount) FROM shard_inbox b WHERE b.from_shard = p.peer AND b.outcome = 'credited'), 0)
    FROM shard_config c
   CROSS JOIN generate_series(0, c.shard_count - 1) AS p (peer)
    LEFT JOIN users u ON u.id = pgbank_private.clearing_account(p.peer)
   WHERE p.peer <> c.shard_no
     AND u.balance IS DISTINCT FROM
         coalesce((SELECT sum(o.amount) FROM shard_outbox o WHERE o.to_shard = p.peer AND o.status <> 'returned'), 0)
       - coalesce((SELECT sum(b.amount) FROM shard_inbox b WHERE b.from_shard = p.peer AND b.outcome = 'credited'), 0)
   ORDER BY 2
$$;

ALTER FUNCTION pgbank.verify_clearing() OWNER TO postgres;

COMMENT ON FUNCTION pgbank.verify_clearing() IS 'Audit: clearing accounts whose balance is not (paid here for the peer, not returned) - (credited here from the peer); empty when all is well';

CREATE FUNCTION pgbank.void_hold(hold_id uuid) RETURNS pgbank.hold_result
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pgbank', 'pg_temp'
    AS $$
BEGIN
  IF hold_id IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'void_hold: hold_id must not be NULL';
  END IF;
  RETURN pgbank_private.finish_hold(hold_id, 'void');
END
$$;

ALTER FUNCTION pgbank.void_hold(hold_id uuid) OWNER TO postgres;

COMMENT ON FUNCTION pgbank.void_hold(hold_id uuid) IS 'Void a hold: release its reserved funds; status voided, or expired when past its deadline';

CREATE FUNCTION pgbank_private.add_day_totals(account uuid, on_day date, sent_amount numeric, received_amount numeric) RETURNS void
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

ALTER FUNCTION pgbank_private.add_day_totals(account uuid, on_day date, sent_amount numeric, received_amount numeric) OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.add_day_totals(account uuid, on_day date, sent_amount numeric, received_amount numeric) IS 'Helper: adds an account''s sent and received of one UTC day to its row in pgbank.user_monthly_totals';

CREATE FUNCTION pgbank_private.applied_set_wise() RETURNS boolean
    LANGUAGE sql
    AS $$ SELECT EXISTS (SELECT FROM pgbank_private.set_wise_moves m WHERE m.xact = pg_current_xact_id()) $$;

ALTER FUNCTION pgbank_private.applied_set_wise() OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.applied_set_wise() IS 'Helper: true while transfers() sets the rows of its failed items, written success and never applied, to failed; the update trigger then stays out';

CREATE FUNCTION pgbank_private.apply_changed_transaction() RETURNS trigger
    LANGUAGE plpgsql
    AS $$  -- names are schema-qualified: no SET search_path, which costs every call
DECLARE
  world CONSTANT uuid := pgbank_private.world();
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    TRUNCATE pgbank.user_monthly_totals, pgbank.history_copy;  -- the copied days stay copied: all empty
    UPDATE pgbank.users SET balance = 0, held = 0, totals_day = NULL, day_sent = 0, day_received = 0,
                            version = version + 1, modified_at = now()
     WHERE balance <> 0 OR held <> 0 OR totals_day IS NOT NULL;
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
  IF TG_OP = 'UPDATE' THEN  -- put the new row's effect in
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

ALTER FUNCTION pgbank_private.apply_changed_transaction() OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.apply_changed_transaction() IS 'Trigger: keeps pgbank.users balance/held/day totals and pgbank.user_monthly_totals equal to what the transactions say';

CREATE FUNCTION pgbank_private.apply_new_transaction() RETURNS trigger
    LANGUAGE plpgsql
    AS $$  -- names are schema-qualified: no SET search_path, which costs every call
DECLARE
  attempt boolean := NEW.status = 'init';  -- the API's rows: the funds check is part of the move
  on_day  date;
  why     text;      -- why the attempt failed
  cur     text;      -- the movement's currency, once an account has moved (or the careful way has read it)
  units   smallint;  -- its minor units: the amount is stored with exactly as many decimals
BEGIN
  IF NEW.status = 'held' THEN  -- a hold reserves the payer's funds (the world keeps no balance)
    IF NEW.sender <> '00000000-0000-0000-0000-000000000000' THEN
      SELECT r.why, r.currency, r.minor_units INTO why, cur, units
        FROM pgbank_private.currency_rule(NEW.sender, NEW.receiver, NEW.amount, false) r;
      NEW.amount := coalesce(round(NEW.amount, units), NEW.amount);
      UPDATE pgbank.users SET held = held + NEW.amount, version = version + 1, modified_at = now() WHERE id = NEW.sender;
      IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = '23503', MESSAGE = format('transaction %s: unknown user %L', NEW.id, NEW.sender);
      END IF;
    END IF;
    RETURN NEW;
  END IF;
  IF NEW.sender = NEW.receiver THEN  -- its decimals are checked all the same
    SELECT r.minor_units INTO units FROM pgbank_private.currency_rule(NEW.sender, NEW.receiver, NEW.amount, attempt) r;
    NEW.amount := coalesce(round(NEW.amount, units), NEW.amount);
    IF NOT attempt THEN
      PERFORM pgbank_private.move_money(NEW.sender, NEW.receiver, NEW.ts, NEW.amount);  -- day totals both ways
      RETURN NEW;
    END IF;
    why := CASE WHEN EXISTS (SELECT FROM pgbank.users WHERE id = NEW.sender) THEN 'same_account' ELSE 'unknown_account' END;
  ELSE
    on_day := (NEW.ts AT TIME ZONE 'UTC')::date;
    -- The careful way (direct writes, the world, and an attempt transfer()'s two-account UPDATE did
    -- not move: then transfer() holds the first account's lock already, so the id order still holds):
    -- each account in one statement that locks, checks and moves: for an attempt, the payer's debit
    -- only where it is open and its funds allow, the payee's credit only where it takes credits
    -- (open, or frozen without credits_frozen), in account-id order so two movements never
    -- deadlock. When the payee comes first and the payer then cannot pay, the credit is taken back
    -- (and the debit, when the payer came first and the payee refuses).
    -- The currency rule is part of the same statements: the first account moved must take the
    -- amount's decimals (its minor_units), the second must have the first's currency; each adds the
    -- amount at its own scale, so a balance keeps its currency's decimals. When a statement finds
    -- no row, currency_rule names the currency's part of why (22023, currency_mismatch) first.
    IF NEW.sender > NEW.receiver AND NEW.receiver <> '00000000-0000-0000-0000-000000000000' THEN  -- the world keeps no balance
      UPDATE pgbank.users
         SET balance = balance + round(NEW.amount, minor_units), day_received = day_received + round(NEW.amount, minor_units),
             version = version + 1, modified_at = now()
       WHERE id = NEW.receiver AND totals_day = on_day AND balance <= 999999999999999999.99 - NEW.amount
         AND NEW.amount = round(NEW.amount, minor_units)
         AND (NOT attempt OR status = 'open' OR (status = 'frozen' AND NOT credits_frozen))
      RETURNING currency, minor_units INTO cur, units;
      IF NOT FOUND THEN
        SELECT r.why, r.currency, r.minor_units INTO why, cur, units
          FROM pgbank_private.currency_rule(NEW.sender, NEW.receiver, NEW.amount, attempt) r;
        NEW.amount := coalesce(round(NEW.amount, units), NEW.amount);
        IF why IS NULL THEN
          why := pgbank_private.move_account(NEW.receiver, 0, NEW.amount, NEW.ts, attempt);
        END IF;
      ELSIF scale(NEW.amount) <> units THEN
        NEW.amount := round(NEW.amount, units);
      END IF;
    END IF;
    IF why IS NULL AND NEW.sender <> '00000000-0000-0000-0000-000000000000' THEN  -- the world's id is the smallest
      UPDATE pgbank.users
         SET balance = balance - round(NEW.amount, minor_units), day_sent = day_sent + round(NEW.amount, minor_units),
             version = version + 1, modified_at = now()
       WHERE id = NEW.sender AND totals_day = on_day AND currency = coalesce(cur, currency) AND NEW.amount = round(NEW.amount, minor_units)
         AND (NOT attempt OR (status = 'open' AND (balance - held - NEW.amount >= lower_limit OR lower_limit IS NULL)))
      RETURNING currency, minor_units INTO cur, units;
      IF NOT FOUND THEN
        SELECT r.why, r.currency, r.minor_units INTO why, cur, units
          FROM pgbank_private.currency_rule(NEW.sender, NEW.receiver, NEW.amount, attempt) r;
        NEW.amount := coalesce(round(NEW.amount, units), NEW.amount);
        IF why IS NULL THEN
          why := pgbank_private.move_account(NEW.sender, NEW.amount, 0, NEW.ts, attempt);
        END IF;
        IF why IS NOT NULL AND NEW.sender > NEW.receiver AND NEW.receiver <> '00000000-0000-0000-0000-000000000000' THEN
          PERFORM pgbank_private.take_back(NEW.receiver, 0, NEW.amount, NEW.ts);
        END IF;
      ELSIF scale(NEW.amount) <> units THEN
        NEW.amount := round(NEW.amount, units);
      END IF;
    END IF;
    IF why IS NULL AND NEW.sender < NEW.receiver THEN
      UPDATE pgbank.users
         SET balance = balance + round(NEW.amount, minor_units), day_received = day_received + round(NEW.amount, minor_units),
             version = version + 1, modified_at = now()
       WHERE id = NEW.receiver AND totals_day = on_day AND balance <= 999999999999999999.99 - NEW.amount
         AND currency = coalesce(cur, currency) AND NEW.amount = round(NEW.amount, minor_units)
         AND (NOT attempt OR status = 'open' OR (status = 'frozen' AND NOT credits_frozen))
      RETURNING currency, minor_units INTO cur, units;
      IF NOT FOUND THEN
        SELECT r.why, r.currency, r.minor_units INTO why, cur, units
          FROM pgbank_private.currency_rule(NEW.sender, NEW.receiver, NEW.amount, attempt) r;
        NEW.amount := coalesce(round(NEW.amount, units), NEW.amount);
        IF why IS NULL THEN
          why := pgbank_private.move_account(NEW.receiver, 0, NEW.amount, NEW.ts, attempt);
        END IF;
        IF why IS NOT NULL AND NEW.sender <> '00000000-0000-0000-0000-000000000000' THEN
          PERFORM pgbank_private.take_back(NEW.sender, NEW.amount, 0, NEW.ts);
        END IF;
      ELSIF scale(NEW.amount) <> units THEN
        NEW.amount := round(NEW.amount, units);
      END IF;
    END IF;
    -- The reason is the first of unknown_account > account_closed/account_frozen (payer, then
    -- payee) > currency_mismatch > insufficient_funds, whichever account was met first (only failed
    -- attempts get here).
    IF why IS NOT NULL AND why <> 'unknown_account' THEN
      why := pgbank_private.failure_reason(NEW.sender, NEW.receiver, why);
    END IF;
  END IF;
  IF attempt THEN
    IF why IS NOT NULL AND units IS NULL THEN  -- failed before any account was read: the amount's currency
      SELECT r.minor_units INTO units FROM pgbank_private.currency_rule(NEW.sender, NEW.receiver, NEW.amount, true) r;
      NEW.amount := coalesce(round(NEW.amount, units), NEW.amount);
    END IF;
    NEW.status := CASE WHEN why IS NULL THEN 'success' ELSE 'failed' END;
    NEW.reason := why;
  END IF;
  RETURN NEW;
END
$$;

ALTER FUNCTION pgbank_private.apply_new_transaction() OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.apply_new_transaction() IS 'Trigger: before a ledger row is written, moves the balances (success), reserves funds (held), or decides an attempt (init) as success or failed with its reason';

CREATE FUNCTION pgbank_private.balance_before_day(account uuid, day date) RETURNS numeric
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pgbank', 'pg_temp'
    AS $$
DECLARE
  balance  numeric;
  row_day  date;     -- the day whose totals the account row holds, and its net
  row_net  numeric;
  net      numeric;
BEGIN
  SELECT u.balance, u.totals_day, u.day_received - u.day_sent INTO balance, row_day, row_net FROM users u WHERE u.id = account;
  -- A midnight splits a month at a day: whole months on one side, a slice of days of one month.
  -- Read the side with fewer months: before the midnight for old days, after it (taken from the
  -- balance) for recent ones.
  IF day < (now() AT TIME ZONE 'UTC')::date - 365 THEN
    SELECT coalesce(sum(CASE WHEN m.month < date_trunc('month', day) THEN m.received - m.sent
                             ELSE (SELECT coalesce(sum(z.r) - sum(z.s), 0)
                                     FROM unnest(m.received_days[1:day - m.month], m.sent_days[1:day - m.month]) AS z (r, s)) END), 0)
      INTO net
      FROM user_monthly_totals m WHERE m.user_id = account AND m.month < day;
    RETURN net + CASE WHEN row_day < day THEN row_net ELSE 0 END;
  END IF;
  SELECT coalesce(sum(CASE WHEN m.month >= day THEN m.received - m.sent
                           ELSE (SELECT coalesce(sum(z.r) - sum(z.s), 0)
                                   FROM unnest(m.received_days[day - m.month + 1:31], m.sent_days[day - m.month + 1:31]) AS z (r, s)) END), 0)
    INTO net
    FROM user_monthly_totals m WHERE m.user_id = account AND m.month >= date_trunc('month', day);
  RETURN balance - net - CASE WHEN row_day >= day THEN row_net ELSE 0 END;
END
$$;

ALTER FUNCTION pgbank_private.balance_before_day(account uuid, day date) OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.balance_before_day(account uuid, day date) IS 'Helper: an account''s balance from effective transactions stamped before a UTC day, from the totals (no ledger rows read)';

CREATE FUNCTION pgbank_private.check_account_currency() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  IF NOT EXISTS (SELECT FROM pgbank.currencies c WHERE c.code = NEW.currency AND c.minor_units = NEW.minor_units) THEN
    RAISE EXCEPTION USING ERRCODE = '23503',
      MESSAGE = format('account %L: currency %L with %s minor units is not in pgbank.currencies', NEW.id, NEW.currency, NEW.minor_units),
      HINT = 'an account takes a code of pgbank.currencies and its minor_units';
  END IF;
  RETURN NEW;
END
$$;

ALTER FUNCTION pgbank_private.check_account_currency() OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.check_account_currency() IS 'Trigger: refuses an account whose (currency, minor_units) is not a row of pgbank.currencies';

CREATE FUNCTION pgbank_private.check_amount(caller text, amount numeric, what text DEFAULT 'amount'::text) RETURNS void
    LANGUAGE plpgsql IMMUTABLE
    AS $$
BEGIN
  IF amount IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = format('%s: %s must not be NULL', caller, what);
  ELSIF amount IN ('NaN', 'Infinity', '-Infinity') THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('%s: %s %s is not a finite number', caller, what, pgbank_private.shown(amount::text));
  ELSIF amount <= 0 THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('%s: %s %s must be positive', caller, what, pgbank_private.shown(amount::text));
  ELSIF amount > pgbank_private.max_amount() THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('%s: %s %s is more than %s', caller, what, pgbank_private.shown(amount::text), pgbank_private.max_amount()),
      HINT = 'one movement is at most 999,999,999,999,999.99';
  ELSIF scale(amount) > 2 AND amount <> round(amount, 2) THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('%s: %s %s has more than 2 decimal places', caller, what, pgbank_private.shown(amount::text)),
      HINT = 'amounts are in currency units with cents, e.g. 10.25';
  END IF;
END
$$;

ALTER FUNCTION pgbank_private.check_amount(caller text, amount numeric, what text) OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.check_amount(caller text, amount numeric, what text) IS 'Helper: raises 22004/22023 unless the amount is a finite number from 0.01 to max_amount() with at most 2 decimals (for callers that read no account: seeding, a shard''s cross-shard send; the API uses check_money)';

CREATE FUNCTION pgbank_private.check_item_arrays(caller text, names text, VARIADIC dims text[]) RETURNS void
    LANGUAGE plpgsql IMMUTABLE
    AS $_$
BEGIN
  -- dims are the arrays' array_dims(): '[1:n]' for a 1-based one-dimensional array, NULL when empty.
  IF EXISTS (SELECT FROM unnest(dims) AS d WHERE d !~ '^\[1:\d+\]$') THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('%s: %s must be one-dimensional arrays starting at 1 (got %s)', caller, names, array_to_string(dims, ', ', '{}'));
  END IF;
END
$_$;

ALTER FUNCTION pgbank_private.check_item_arrays(caller text, names text, VARIADIC dims text[]) OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.check_item_arrays(caller text, names text, VARIADIC dims text[]) IS 'Helper: raises 22023 unless every item array (given by its array_dims) is one-dimensional and starts at 1';

CREATE FUNCTION pgbank_private.check_metadata(caller text, metadata jsonb, what text DEFAULT 'metadata'::text) RETURNS void
    LANGUAGE plpgsql IMMUTABLE
    AS $$
DECLARE
  size int;
BEGIN
  IF metadata IS NULL THEN
    RETURN;
  ELSIF jsonb_typeof(metadata) <> 'object' THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('%s: %s %s is a JSON %s, not an object', caller, what, pgbank_private.shown(metadata::text), jsonb_typeof(metadata)),
      HINT = 'metadata is a JSON object, e.g. {"order": "A-17"}';
  END IF;
  size := octet_length(metadata::text);
  IF size > 4096 THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('%s: %s %s is %s bytes as text, more than 4,096', caller, what, pgbank_private.shown(metadata::text), size),
      HINT = 'keep references in metadata (ids, short labels), not documents';
  END IF;
END
$$;

ALTER FUNCTION pgbank_private.check_metadata(caller text, metadata jsonb, what text) OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.check_metadata(caller text, metadata jsonb, what text) IS 'Helper: raises 22023 unless the metadata is NULL or a JSON object of at most 4,096 bytes as text';

CREATE FUNCTION pgbank_private.check_money(caller text, amount numeric, what text DEFAULT 'amount'::text) RETURNS void
    LANGUAGE plpgsql IMMUTABLE
    AS $$
BEGIN
  IF amount IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = format('%s: %s must not be NULL', caller, what);
  ELSIF amount IN ('NaN', 'Infinity', '-Infinity') THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('%s: %s %s is not a finite number', caller, what, pgbank_private.shown(amount::text));
  ELSIF amount <= 0 THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('%s: %s %s must be positive', caller, what, pgbank_private.shown(amount::text));
  ELSIF amount > pgbank_private.max_amount() THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('%s: %s %s is more than %s', caller, what, pgbank_private.shown(amount::text), pgbank_private.max_amount()),
      HINT = 'one movement is at most 999,999,999,999,999.99';
  ELSIF scale(amount) > 4 AND amount <> round(amount, 4) THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('%s: %s %s has more than 4 decimal places', caller, what, pgbank_private.shown(amount::text)),
      HINT = 'an amount has at most its currency''s minor units (JPY 0, USD 2, BHD 3; 4 at most)';
  END IF;
END
$$;

ALTER FUNCTION pgbank_private.check_money(caller text, amount numeric, what text) OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.check_money(caller text, amount numeric, what text) IS 'Helper: raises 22004/22023 unless the amount is a finite number above 0, at most max_amount(), with at most 4 decimals (its currency''s are checked where the account is read)';

CREATE FUNCTION pgbank_private.check_not_clearing(caller text, VARIADIC ids uuid[]) RETURNS void
    LANGUAGE plpgsql IMMUTABLE
    AS $$
DECLARE
  id uuid;
BEGIN
  FOREACH id IN ARRAY ids LOOP
    IF pgbank_private.is_clearing(id) THEN
      RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('%s: account %L is a clearing account', caller, id),
        HINT = 'ids ffffffff-ffff-ffff-ffff-… are reserved for the money in transit between shards';
    END IF;
  END LOOP;
END
$$;

ALTER FUNCTION pgbank_private.check_not_clearing(caller text, VARIADIC ids uuid[]) OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.check_not_clearing(caller text, VARIADIC ids uuid[]) IS 'Helper: raises 22023 when one of the ids is reserved for clearing accounts';

CREATE FUNCTION pgbank_private.check_request_id(caller text, request_id text) RETURNS void
    LANGUAGE plpgsql IMMUTABLE
    AS $$
BEGIN
  IF request_id IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = format('%s: request_id must not be NULL', caller),
      HINT = 'a request id is the client''s idempotency key: a repeat returns the first outcome';
  ELSIF request_id = '' OR length(request_id) > 200 THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('%s: request_id %s must be 1 to 200 characters', caller, pgbank_private.shown(request_id));
  END IF;
END
$$;

ALTER FUNCTION pgbank_private.check_request_id(caller text, request_id text) OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.check_request_id(caller text, request_id text) IS 'Helper: raises 22004/22023 for a NULL, empty or over-long request id';

CREATE FUNCTION pgbank_private.clearing_account(peer integer) RETURNS uuid
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT ('ffffffff-ffff-ffff-ffff-' || lpad(to_hex(peer), 12, '0'))::uuid $$;

ALTER FUNCTION pgbank_private.clearing_account(peer integer) OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.clearing_account(peer integer) IS 'Helper: id of the clearing account that holds money in transit between this shard and shard peer';

CREATE PROCEDURE pgbank_private.copy_closed_days(IN max_days integer DEFAULT NULL::integer)
    LANGUAGE plpgsql
    AS $_$
DECLARE
  today   date := (now() AT TIME ZONE 'UTC')::date;
  day     date;
  part    regclass;
  copied  int := 0;
BEGIN
  IF max_days < 0 THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('copy_closed_days: max_days %s is below 0', max_days);
  END IF;
  LOOP
    -- One day per transaction; the state row's lock keeps two copiers apart.
    SELECT coalesce(s.copied_until,
                    (SELECT min(to_date(substring(c.relname FROM '_p(\d{4}_\d{2}_\d{2})$'), 'YYYY_MM_DD'))
                       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                      WHERE i.inhparent = 'pgbank.transactions'::regclass))
      INTO day FROM pgbank.history_copy_state s FOR UPDATE;
    EXIT WHEN day IS NULL OR day >= today OR copied >= max_days;
    part := pgbank_private.partition_for_day(day);
    IF part IS NOT NULL THEN
      -- The triggers first: CREATE TRIGGER waits for the writers of the partition to end and holds
      -- back new ones until this commits, so the copy below sees every row and misses no change.
      -- Not for long: a writer left open on the day would queue every later one behind this, so
      -- after 5 s the day waits for the next run.
      BEGIN
        PERFORM set_config('lock_timeout', '5s', true);
        EXECUTE format('CREATE OR REPLACE TRIGGER transactions_keep_history_copy AFTER INSERT OR UPDATE OR DELETE ON %s '
                       'FOR EACH ROW EXECUTE FUNCTION pgbank_private.keep_history_copy(%L)', part, day);
      EXCEPTION WHEN lock_not_available THEN
        RAISE NOTICE 'copy_closed_days: % is still being written to; its copy waits for the next run', part;
        EXIT;
      END;
      EXECUTE format('CREATE OR REPLACE TRIGGER transactions_truncate_history_copy AFTER TRUNCATE ON %s '
                     'FOR EACH STATEMENT EXECUTE FUNCTION pgbank_private.keep_history_copy(%L)', part, day);
      -- ALWAYS: bulk loaders and subscribers (session_replication_role = replica) write here too.
      EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER transactions_keep_history_copy, '
                     'ENABLE ALWAYS TRIGGER transactions_truncate_history_copy', part);
      EXECUTE format('INSERT INTO pgbank.history_copy (account, ts, id, sent, counterparty, amount, status, reason, metadata, reverses) '
                     'SELECT s.account, t.ts, t.id, s.sent, s.counterparty, t.amount, t.status, t.reason, t.metadata, t.reverses '
                     '  FROM %s t, LATERAL pgbank_private.ledger_sides(t.sender, t.receiver) s', part);
    END IF;
    UPDATE pgbank.history_copy_state SET copied_until = day + 1;
    copied := copied + 1;
    COMMIT;
  END LOOP;
  IF copied > 0 THEN
    ANALYZE pgbank.history_copy;
  END IF;
  COMMIT;
END
$_$;

ALTER PROCEDURE pgbank_private.copy_closed_days(IN max_days integer) OWNER TO postgres;

COMMENT ON PROCEDURE pgbank_private.copy_closed_days(IN max_days integer) IS 'pg_cron job: copies every UTC day before today not yet copied (at most max_days) into pgbank.history_copy, for history()';

CREATE FUNCTION pgbank_private.currency_rule(sender uuid, receiver uuid, amount numeric, checked boolean, OUT why text, OUT currency text, OUT minor_units smallint) RETURNS record
    LANGUAGE plpgsql STABLE
    AS $$  -- names are schema-qualified: no SET search_path, which costs every call
DECLARE
  world CONSTANT uuid := pgbank_private.world();
  payer pgbank.users;
  payee pgbank.users;
BEGIN
  -- A currency never changes: the rows are read without a lock. The world has none.
  SELECT * INTO payer FROM pgbank.users u WHERE u.id = currency_rule.sender AND u.id <> world;
  SELECT * INTO payee FROM pgbank.users u WHERE u.id = currency_rule.receiver AND u.id <> world;
  -- The amount is in the payer's currency (the payee's when the world pays or the payer is unknown;
  -- the default one when both are unknown: the failed row keeps the decimals of before currencies).
  currency := coalesce(payer.currency, payee.currency);
  minor_units := coalesce(payer.minor_units, payee.minor_units);
  IF currency IS NULL THEN
    SELECT d.code, d.minor_units INTO currency, minor_units FROM pgbank_private.default_currency() d;
  END IF;
  IF amount <> round(amount, minor_units) THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('amount %s has more decimals than %s allows (%s)', amount, currency, minor_units),
      HINT = 'an amount has at most its currency''s minor units: JPY 0, USD 2, BHD 3';
  END IF;
  IF payer.currency <> payee.currency THEN
    IF checked THEN
      why := 'currency_mismatch';
    ELSE
      RAISE EXCEPTION USING ERRCODE = '23514',
        MESSAGE = format('a movement from account %L (%s) to account %L (%s) mixes currencies', sender, payer.currency, receiver, payee.currency),
        HINT = 'an exchange is a transfer_batch through a liquidity account per currency (docs/ledger.md)';
    END IF;
  END IF;
END
$$;

ALTER FUNCTION pgbank_private.currency_rule(sender uuid, receiver uuid, amount numeric, checked boolean, OUT why text, OUT currency text, OUT minor_units smallint) OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.currency_rule(sender uuid, receiver uuid, amount numeric, checked boolean, OUT why text, OUT currency text, OUT minor_units smallint) IS 'Helper: a movement''s currency and minor units (the payer''s), 22023 for an amount with more decimals, currency_mismatch (checked) or 23514 between two currencies';

CREATE FUNCTION pgbank_private.default_currency(OUT code text, OUT minor_units smallint) RETURNS record
    LANGUAGE sql STABLE
    AS $$  -- names are schema-qualified: no SET search_path, which costs every call
  SELECT c.code, c.minor_units FROM pgbank.currencies c WHERE c.is_default;
$$;

ALTER FUNCTION pgbank_private.default_currency(OUT code text, OUT minor_units smallint) OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.default_currency(OUT code text, OUT minor_units smallint) IS 'Helper: the default currency (pgbank.currencies.is_default) and its minor units, for amounts no account''s currency decides';

CREATE PROCEDURE pgbank_private.expire_holds(IN max_holds integer DEFAULT 10000)
    LANGUAGE plpgsql
    AS $$
DECLARE
  due record;
BEGIN
  FOR due IN SELECT h.id FROM pgbank.holds h WHERE h.status = 'held' AND h.expires_at <= now()
              ORDER BY h.expires_at LIMIT max_holds LOOP
    PERFORM pgbank_private.finish_hold(due.id, 'expire');
    COMMIT;
  END LOOP;
END
$$;

ALTER PROCEDURE pgbank_private.expire_holds(IN max_holds integer) OWNER TO postgres;

COMMENT ON PROCEDURE pgbank_private.expire_holds(IN max_holds integer) IS 'pg_cron job: expires every hold past its deadline (the reconciliation of transfers not in a final state)';

CREATE FUNCTION pgbank_private.failure_reason(sender uuid, receiver uuid, met text) RETURNS text
    LANGUAGE sql STABLE
    AS $$  -- names are schema-qualified: no SET search_path, which costs every call
  -- Runs only on a failed attempt: the trigger met one reason on the first account it could not
  -- move; the other account may have a stronger one. (The world account is always open.)
  SELECT CASE WHEN p.id IS NULL OR r.id IS NULL THEN 'unknown_account'
              WHEN p.status <> 'open' THEN 'account_' || p.status
              WHEN r.status = 'closed' OR r.status = 'frozen' AND r.credits_frozen THEN 'account_' || r.status
              ELSE met END
    FROM (SELECT) AS one
    LEFT JOIN pgbank.users p ON p.id = failure_reason.sender
    LEFT JOIN pgbank.users r ON r.id = failure_reason.receiver;
$$;

ALTER FUNCTION pgbank_private.failure_reason(sender uuid, receiver uuid, met text) OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.failure_reason(sender uuid, receiver uuid, met text) IS 'Helper: the reason a failed attempt names, by priority: unknown_account, account_closed / account_frozen (payer first), then the reason met';

CREATE TABLE pgbank.transactions (
    id bigint NOT NULL,
    ts timestamp with time zone NOT NULL,
    sender uuid NOT NULL,
    receiver uuid NOT NULL,
    amount pgbank.amount NOT NULL,
    status text DEFAULT 'success'::text NOT NULL,
    reason text,
    metadata jsonb,
    reverses bigint,
    writer_moved boolean,
    CONSTRAINT transactions_status_check CHECK ((status = ANY (ARRAY['init'::text, 'success'::text, 'failed'::text, 'held'::text, 'voided'::text, 'expired'::text, 'reversed'::text])))
)
PARTITION BY RANGE (ts);

ALTER TABLE pgbank.transactions OWNER TO postgres;

COMMENT ON TABLE pgbank.transactions IS 'Every money movement; only status ''success'' rows count in sums and balances';

COMMENT ON COLUMN pgbank.transactions.reason IS 'Why an attempt failed: unknown_account, same_account, account_closed, account_frozen, currency_mismatch, insufficient_funds (in that priority)';

COMMENT ON COLUMN pgbank.transactions.metadata IS 'The client''s metadata (a JSON object, at most 4,096 bytes as text), stored and returned with the row; NULL when none';

COMMENT ON COLUMN pgbank.transactions.reverses IS 'For a reversal: the id of the transaction it takes money back from (that one''s receiver pays its sender); NULL otherwise';

COMMENT ON COLUMN pgbank.transactions.writer_moved IS 'true: the row''s writer moved the balances itself (transfer(), transfers()), so the insert trigger stayed out; NULL otherwise';

CREATE FUNCTION pgbank_private.find_transaction(transaction_id bigint) RETURNS pgbank.transactions
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pgbank', 'pg_temp'
    SET plan_cache_mode TO 'force_custom_plan'
    SET enable_seqscan TO 'off'
    AS $$
DECLARE
  found_row transactions;
  known     reversals;
  hi        timestamptz := 'infinity'::timestamptz;
  lo        timestamptz;
  span      interval := interval '2 days';
BEGIN
  -- A transaction reversed before is where its reversals row says.
  SELECT * INTO known FROM reversals r WHERE r.transaction_id = find_transaction.transaction_id;
  IF FOUND THEN
    SELECT * INTO found_row FROM transactions t
     WHERE t.sender = known.sender AND t.ts = known.ts AND t.id = find_transaction.transaction_id;
    RETURN found_row;
  END IF;
  -- The primary key leads with the sender; nothing indexes id but the BRIN. Most reversals are of
  -- recent rows: look at the last days first (and the premade future ones), then 4x further back
  -- each time, then everything older at once.
  lo := date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - span;
  LOOP
    SELECT * INTO found_row FROM transactions t WHERE t.id = find_transaction.transaction_id AND t.ts >= lo AND t.ts < hi;
    EXIT WHEN FOUND OR lo = '-infinity'::timestamptz;
    hi := lo;
    span := span * 4;
    lo := CASE WHEN span > interval '400 days' THEN '-infinity'::timestamptz ELSE hi - span END;
  END LOOP;
  RETURN found_row;
END
$$;

ALTER FUNCTION pgbank_private.find_transaction(transaction_id bigint) OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.find_transaction(transaction_id bigint) IS 'Helper: the pgbank.transactions row with this id (NULL if none), searched newest days first';

CREATE FUNCTION pgbank_private.finish_hold(hold_id uuid, action text, amount numeric DEFAULT NULL::numeric) RETURNS pgbank.hold_result
    LANGUAGE plpgsql
    SET search_path TO 'pgbank', 'pg_temp'
    SET plan_cache_mode TO 'force_custom_plan'
    AS $$
DECLARE
  h          holds;
  new_status text;
  new_ts     timestamptz;
  posted     numeric;
  blocked    uuid;
  blocked_status text;
  code       text;      -- the hold's currency
  units      smallint;  -- its minor units
BEGIN
  SELECT * INTO h FROM holds WHERE id = hold_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'P0002', MESSAGE = format('%s_hold: unknown hold %L', action, hold_id);
  END IF;
  -- Same order as every transfer: both accounts, then the hold row.
  PERFORM pgbank_private.lock_accounts(h.account, h.receiver);
  SELECT * INTO h FROM holds WHERE account = h.account AND id = hold_id FOR UPDATE;
  IF h.status <> 'held' THEN
    IF action = 'expire' THEN  -- the job lost a race to post/void: nothing to do
      RETURN (h.id, h.status, NULL::text, h.request_id, h.transaction_id, h.ts, h.account, h.receiver, h.amount, h.posted_amount, h.expires_at, false);
    END IF;
    RAISE EXCEPTION USING ERRCODE = 'PB002', MESSAGE = format('%s_hold: hold %L is already %s', action, hold_id, h.status),
      HINT = 'a hold is posted, voided or expired exactly once';
  END IF;
  IF action = 'post' AND amount IS NOT NULL THEN  -- a part: in the hold's currency, with at most its decimals
    SELECT u.currency, u.minor_units INTO code, units FROM users u WHERE u.id = h.account;
    IF amount <> round(amount, units) THEN
      RAISE EXCEPTION USING ERRCODE = '22023',
        MESSAGE = format('post_hold: amount %s has more decimals than %s allows (%s)', amount, code, units),
        HINT = 'an amount has at most its currency''s minor units: JPY 0, USD 2, BHD 3';
    END IF;
    amount := round(amount, units);
  END IF;
  IF action = 'post' AND amount > h.amount THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('post_hold: amount %L is more than the %L held by hold %L', amount, h.amount, hold_id);
  END IF;
  IF h.expires_at <= now() THEN
    action := 'expire';  -- too late to post or void
  END IF;
  posted := CASE WHEN action = 'post' THEN coalesce(amount, h.amount) END;
  -- Posting is the debit and the credit: refused (the hold stays held, to be voided or to expire)
  -- while the payer is frozen or the payee refuses credits (closed, or frozen with credits_frozen).
  IF action = 'post' THEN
    SELECT u.id, u.status INTO blocked, blocked_status FROM users u
     WHERE (u.id = h.account AND u.status <> 'open')
        OR (u.id = h.receiver AND u.id <> pgbank_private.world() AND (u.status = 'closed' OR u.status = 'frozen' AND u.credits_frozen))
     ORDER BY u.id = h.account DESC LIMIT 1;
    IF FOUND THEN
      RAISE EXCEPTION USING ERRCODE = '55000',
        MESSAGE = format('post_hold: account %L (the %s of hold %L) is %s', blocked,
                         CASE WHEN blocked = h.account THEN 'payer' ELSE 'payee' END, hold_id, blocked_status),
        HINT = 'void_hold releases the funds; or set the account open again first';
    END IF;
  END IF;
  IF posted > pgbank_private.max_balance() - (SELECT u.balance FROM users u WHERE u.id = h.receiver) THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('post_hold: amount %s would take the balance of account %L past %s', posted, h.receiver, pgbank_private.max_balance()),
      HINT = 'a balance is at most 999,999,999,999,999,999.99';
  END IF;
  new_status := CASE action WHEN 'post' THEN 'success' WHEN 'void' THEN 'voided' ELSE 'expired' END;
  new_ts := CASE WHEN action = 'post' THEN now() ELSE h.ts END;  -- a posted transfer happens when posted
  -- The triggers release the reservation and, when posted, move the money.
  UPDATE transactions t SET status = new_status, amount = coalesce(posted, t.amount), ts = new_ts
   WHERE t.sender = h.account AND t.ts = h.ts AND t.id = h.transaction_id AND t.status = 'held';
  IF NOT FOUND THEN  -- only a write outside the API can get here; finish nothing rather than half
    RAISE EXCEPTION USING ERRCODE = 'PB003',
      MESSAGE = format('%s_hold: hold %L has no held transaction %s at %s', action, hold_id, h.transaction_id, h.ts),
      HINT = 'the ledger row of the hold was changed outside the API; see pgbank.verify_balances()';
  END IF;
  UPDATE holds SET status = CASE action WHEN 'post' THEN 'posted' WHEN 'void' THEN 'voided' ELSE 'expired' END,
                   posted_amount = posted, finished_at = now(), ts = new_ts
   WHERE account = h.account AND id = hold_id
  RETURNING * INTO h;
  RETURN (h.id, h.status, NULL::text, h.request_id, h.transaction_id, h.ts, h.account, h.receiver, h.amount, h.posted_amount, h.expires_at, false);
END
$$;

ALTER FUNCTION pgbank_private.finish_hold(hold_id uuid, action text, amount numeric) OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.finish_hold(hold_id uuid, action text, amount numeric) IS 'Helper: posts, voids or expires a hold exactly once, in the same lock order as transfers';

CREATE FUNCTION pgbank_private.forget_writer_moved() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  NEW.writer_moved := NULL;
  RETURN NEW;
END
$$;

ALTER FUNCTION pgbank_private.forget_writer_moved() OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.forget_writer_moved() IS 'Trigger: clears writer_moved when a ledger row''s ts changes (a move to another day''s partition is a delete and an insert: the delete takes the movement out, the insert must put it back)';

CREATE FUNCTION pgbank_private.history_cursor(ts timestamp with time zone, id bigint) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
  SELECT translate(encode(convert_to(format('v1:%s:%s', (extract(epoch FROM ts) * 1000000)::bigint, id), 'UTF8'), 'base64'), '+/=', '-_')
$$;

ALTER FUNCTION pgbank_private.history_cursor(ts timestamp with time zone, id bigint) OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.history_cursor(ts timestamp with time zone, id bigint) IS 'Helper: the opaque cursor of a history row (its ts and id); pgbank_private.history_position reads it back';

CREATE FUNCTION pgbank_private.history_from_copy(account uuid, lo_day date, hi_day date, balance numeric, c_ts timestamp with time zone, c_id bigint, from_ts timestamp with time zone, to_ts timestamp with time zone, direction text, status text, metadata jsonb, n integer) RETURNS SETOF pgbank.history_entry
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pgbank', 'pg_temp'
    SET enable_sort TO 'off'
    SET jit TO 'off'
    AS $$
BEGIN
  RETURN QUERY
  WITH walked AS (
    SELECT t.*, balance - coalesce(sum(CASE WHEN t.status <> 'success' OR t.counterparty = t.account THEN 0 WHEN t.sent THEN -t.amount ELSE t.amount END)
                                   OVER (ORDER BY t.ts DESC, t.id DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS bal
      FROM history_copy t
     WHERE t.account = history_from_copy.account
       AND t.ts < hi_day::timestamp AT TIME ZONE 'UTC' AND t.ts >= lo_day::timestamp AT TIME ZONE 'UTC'
  )
  SELECT w.id, w.ts, CASE WHEN w.sent THEN 'sent' ELSE 'received' END, w.counterparty, w.amount, w.status, w.reason,
         CASE WHEN w.status = 'success' THEN w.bal END, w.metadata, w.reverses,
         (SELECT r.reversal_ids FROM reversals r WHERE r.transaction_id = w.id AND r.reversal_ids <> '{}'),
         pgbank_private.history_cursor(w.ts, w.id)
    FROM walked w
   WHERE (c_ts IS NULL OR (w.ts, w.id) < (c_ts, c_id))
     AND (history_from_copy.from_ts IS NULL OR w.ts >= history_from_copy.from_ts)
     AND (history_from_copy.to_ts IS NULL OR w.ts < history_from_copy.to_ts)
     AND (history_from_copy.direction IS NULL OR w.sent = (history_from_copy.direction = 'sent'))
     AND (history_from_copy.status IS NULL OR w.status = history_from_copy.status)
     AND (history_from_copy.metadata IS NULL OR w.metadata @> history_from_copy.metadata)
   ORDER BY w.ts DESC, w.id DESC
   LIMIT n;
END
$$;

ALTER FUNCTION pgbank_private.history_from_copy(account uuid, lo_day date, hi_day date, balance numeric, c_ts timestamp with time zone, c_id bigint, from_ts timestamp with time zone, to_ts timestamp with time zone, direction text, status text, metadata jsonb, n integer) OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.history_from_copy(account uuid, lo_day date, hi_day date, balance numeric, c_ts timestamp with time zone, c_id bigint, from_ts timestamp with time zone, to_ts timestamp with time zone, direction text, status text, metadata jsonb, n integer) IS 'Helper: history()''s rows of copied days, from pgbank.history_copy';

CREATE FUNCTION pgbank_private.history_position(cursor text, OUT ts timestamp with time zone, OUT id bigint) RETURNS record
    LANGUAGE plpgsql IMMUTABLE
    AS $_$
DECLARE
  parts text[];
BEGIN
  IF length(cursor) <= 80 AND cursor ~ '^[A-Za-z0-9_-]+$' THEN
    BEGIN
      parts := regexp_match(convert_from(decode(rpad(translate(cursor, '-_', '+/'), (length(cursor) + 3) / 4 * 4, '='), 'base64'), 'UTF8'),
                            '^v1:(-?[0-9]{1,19}):([0-9]{1,19})$');
      ts := to_timestamp(0) + parts[1]::bigint * interval '1 microsecond';
      id := parts[2]::bigint;
    EXCEPTION WHEN data_exception THEN
      parts := NULL;  -- not base64, not UTF-8 text, or numbers out of range: not a cursor
    END;
  END IF;
  IF parts IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('history: after %s is not a history cursor', pgbank_private.shown(cursor)),
      HINT = 'pass the cursor column of the last row of the previous page, unchanged';
  END IF;
END
$_$;

ALTER FUNCTION pgbank_private.history_position(cursor text, OUT ts timestamp with time zone, OUT id bigint) OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.history_position(cursor text, OUT ts timestamp with time zone, OUT id bigint) IS 'Helper: the (ts, id) of a history cursor; raises 22023 when the text is not one';

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
  SELECT count(*) INTO users_count FROM users WHERE id <> pgbank_private.world();
  IF n > 0 AND users_count < 2 THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('insert_history: needs 2 users or more, there are %s', users_count);
  END IF;

  -- Rows in time order (spread evenly over [lo, hi)), so the statement fills a few neighbouring
  -- day partitions; log-uniform amounts from 1.00 to 10,000.00.
  WITH picked AS (SELECT array_agg(id ORDER BY id) AS ids FROM users WHERE id <> pgbank_private.world()),
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
  balances AS (  -- what the row trigger does one row at a time
    UPDATE users u SET balance = u.balance + d.delta, version = u.version + d.n, modified_at = now()
      FROM (SELECT user_id, sum(received) - sum(sent) AS delta, count(*) AS n FROM legs GROUP BY 1) d
     WHERE u.id = d.user_id
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

COMMENT ON FUNCTION pgbank_private.insert_history(n integer, lo timestamp with time zone, hi timestamp with time zone) IS 'Seeding: n random effective transactions in [lo, hi) among existing users, with their balances and monthly totals';

CREATE FUNCTION pgbank_private.is_clearing(id uuid) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT id >= 'ffffffff-ffff-ffff-ffff-000000000000'::uuid $$;

ALTER FUNCTION pgbank_private.is_clearing(id uuid) OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.is_clearing(id uuid) IS 'Helper: true for ids reserved for clearing accounts (ffffffff-ffff-ffff-ffff-…), which no API call may name';

CREATE FUNCTION pgbank_private.keep_account_currency() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  RAISE EXCEPTION USING ERRCODE = '23514',
    MESSAGE = format('account %L is in %s: an account''s currency never changes', OLD.id, OLD.currency),
    HINT = 'open an account in the other currency and exchange through liquidity accounts (docs/ledger.md)';
END
$$;

ALTER FUNCTION pgbank_private.keep_account_currency() OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.keep_account_currency() IS 'Trigger: refuses a change of an account''s currency or minor units';

CREATE FUNCTION pgbank_private.keep_history_copy() RETURNS trigger
    LANGUAGE plpgsql
    AS $$  -- names are schema-qualified: no SET search_path, which costs every call
DECLARE
  day   date;    -- the partition's: the trigger's argument
  missing int;  -- sides of the old row the copy did not hold
BEGIN
  IF TG_OP = 'TRUNCATE' THEN  -- also fired by a TRUNCATE of pgbank.transactions, after its own emptied the copy
    day := TG_ARGV[0]::date;
    DELETE FROM pgbank.history_copy c
     WHERE c.ts >= day::timestamp AT TIME ZONE 'UTC' AND c.ts < (day + 1)::timestamp AT TIME ZONE 'UTC';
    RETURN NULL;
  END IF;
  -- An UPDATE that moves a row to another day's partition fires DELETE here and INSERT there.
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    -- Every side of the old row must have been in the copy: a writer whose snapshot predates the
    -- day's copy (REPEATABLE READ or SERIALIZABLE) cannot see the copied rows it must change; it
    -- retries, with a snapshot that does.
    WITH sides AS (
      SELECT * FROM pgbank_private.ledger_sides(OLD.sender, OLD.receiver)
    ), gone AS (
      DELETE FROM pgbank.history_copy c USING sides s
       WHERE c.account = s.account AND c.ts = OLD.ts AND c.id = OLD.id AND c.sent = s.sent AND c.counterparty = s.counterparty
      RETURNING 1
    )
    SELECT (SELECT count(*) FROM sides) - (SELECT count(*) FROM gone) INTO missing;
    IF missing > 0 THEN
      RAISE EXCEPTION USING ERRCODE = '40001',
        MESSAGE = format('transaction %s of %s was copied for history after this transaction''s snapshot was taken', OLD.id, (OLD.ts AT TIME ZONE 'UTC')::date),
        HINT = 'retry the transaction';
    END IF;
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN
    INSERT INTO pgbank.history_copy (account, ts, id, sent, counterparty, amount, status, reason, metadata, reverses)
    SELECT s.account, NEW.ts, NEW.id, s.sent, s.counterparty, NEW.amount, NEW.status, NEW.reason, NEW.metadata, NEW.reverses
      FROM pgbank_private.ledger_sides(NEW.sender, NEW.receiver) s;
  END IF;
  RETURN NULL;
END
$$;

ALTER FUNCTION pgbank_private.keep_history_copy() OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.keep_history_copy() IS 'Trigger on a copied day''s partition of pgbank.transactions: keeps pgbank.history_copy equal to it';

CREATE FUNCTION pgbank_private.keep_used_currency() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  IF (TG_OP = 'DELETE' OR OLD.code IS DISTINCT FROM NEW.code OR OLD.minor_units IS DISTINCT FROM NEW.minor_units)
     AND EXISTS (SELECT FROM pgbank.users u WHERE u.currency = OLD.code) THEN
    RAISE EXCEPTION USING ERRCODE = '23503',
      MESSAGE = format('currency %L: accounts are in it', OLD.code),
      HINT = 'an account''s currency never changes';
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;

ALTER FUNCTION pgbank_private.keep_used_currency() OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.keep_used_currency() IS 'Trigger: refuses deleting a currency, or changing its code or minor units, while accounts are in it';

CREATE FUNCTION pgbank_private.ledger_sides(sender uuid, receiver uuid) RETURNS TABLE(account uuid, sent boolean, counterparty uuid)
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  SELECT s.account, s.sent, s.counterparty
    FROM (VALUES (sender, true, receiver), (receiver, false, sender)) AS s (account, sent, counterparty)
   WHERE s.account <> pgbank_private.world() AND (s.sent OR receiver <> sender)
$$;

ALTER FUNCTION pgbank_private.ledger_sides(sender uuid, receiver uuid) OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.ledger_sides(sender uuid, receiver uuid) IS 'Helper: the (account, sent, counterparty) sides of a ledger row kept in pgbank.history_copy: not the world''s, one for a row to itself';

CREATE FUNCTION pgbank_private.lock_accounts(a uuid, b uuid) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pgbank', 'pg_temp'
    AS $$
BEGIN
  PERFORM FROM users u WHERE u.id = least(a, b) AND u.id <> pgbank_private.world() FOR UPDATE;
  IF a <> b THEN
    PERFORM FROM users u WHERE u.id = greatest(a, b) FOR UPDATE;
  END IF;
END
$$;

ALTER FUNCTION pgbank_private.lock_accounts(a uuid, b uuid) OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.lock_accounts(a uuid, b uuid) IS 'Helper: SELECT ... FOR UPDATE of two accounts in account-id order (never the world account)';

CREATE FUNCTION pgbank_private.max_amount() RETURNS numeric
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT 999999999999999.99::numeric $$;

ALTER FUNCTION pgbank_private.max_amount() OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.max_amount() IS 'Helper: the largest amount one movement (or a lower limit below 0) may have';

CREATE FUNCTION pgbank_private.max_balance() RETURNS numeric
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT 999999999999999999.99::numeric $$;

ALTER FUNCTION pgbank_private.max_balance() OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.max_balance() IS 'Helper: the largest balance an account may reach (its column holds up to 10^20)';

CREATE FUNCTION pgbank_private.move_account(account uuid, sent numeric, received numeric, ts timestamp with time zone, checked boolean) RETURNS text
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

ALTER FUNCTION pgbank_private.move_account(account uuid, sent numeric, received numeric, ts timestamp with time zone, checked boolean) OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.move_account(account uuid, sent numeric, received numeric, ts timestamp with time zone, checked boolean) IS 'Helper: moves one account''s part of a movement (balance, version, day or monthly totals) after locking its row; checked: returns unknown_account / account_closed / account_frozen / insufficient_funds instead of moving';

CREATE FUNCTION pgbank_private.move_money(sender uuid, receiver uuid, ts timestamp with time zone, amount numeric) RETURNS void
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

ALTER FUNCTION pgbank_private.move_money(sender uuid, receiver uuid, ts timestamp with time zone, amount numeric) OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.move_money(sender uuid, receiver uuid, ts timestamp with time zone, amount numeric) IS 'Helper: moves an effective amount between two accounts (balances, versions, day and monthly totals), in account-id order';

CREATE FUNCTION pgbank_private.open_accounts(amount numeric, at timestamp with time zone DEFAULT '2023-01-01 00:00:00+00'::timestamp with time zone) RETURNS integer
    LANGUAGE plpgsql
    SET search_path TO 'pgbank', 'pg_temp'
    AS $$
DECLARE
  opened int;
BEGIN
  PERFORM pgbank_private.check_amount('open_accounts', amount);
  INSERT INTO transactions (ts, sender, receiver, amount)
  SELECT at, pgbank_private.world(), u.id, open_accounts.amount
    FROM users u
   WHERE u.id <> pgbank_private.world()
     AND NOT EXISTS (SELECT FROM transactions t
                      WHERE t.sender = pgbank_private.world() AND t.ts = open_accounts.at AND t.receiver = u.id)
   ORDER BY u.id;
  GET DIAGNOSTICS opened = ROW_COUNT;
  RETURN opened;
END
$$;

ALTER FUNCTION pgbank_private.open_accounts(amount numeric, at timestamp with time zone) OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.open_accounts(amount numeric, at timestamp with time zone) IS 'Seeding: an opening top-up of amount for every account that has none, so seeded history never overdraws';

CREATE FUNCTION pgbank_private.partition_for_day(day date) RETURNS regclass
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
  -- pg_partman names daily partitions <parent>_pYYYY_MM_DD (part_config.datetime_string);
  -- tests/partitions.test.ts checks every name against its bounds.
  SELECT to_regclass(format('pgbank.%I', 'transactions_p' || to_char(day, 'YYYY_MM_DD')))
$$;

ALTER FUNCTION pgbank_private.partition_for_day(day date) OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.partition_for_day(day date) IS 'Helper: the daily partition of pgbank.transactions holding a UTC day (NULL if missing)';

CREATE FUNCTION pgbank_private.place_hold(request_id text, from_account uuid, to_account uuid, amount numeric, expires_in interval, metadata jsonb DEFAULT NULL::jsonb) RETURNS pgbank.hold_result
    LANGUAGE plpgsql
    AS $$  -- names are schema-qualified: no SET search_path, which costs every call
DECLARE
  payer_id uuid;
  payee_id uuid;
  room    numeric;  -- how far the payer may still go down: balance - held - lower limit (NULL: no limit)
  payer_block text; -- account_frozen / account_closed when the payer takes no debits
  payee_block text; -- ... when the payee takes no credits
  payer_currency text;
  payee_currency text;
  units   smallint; -- the amount's minor units (the payer's currency)
  payee_units smallint;
  reason  text;
  status  text;
  tx_id   bigint := nextval('pgbank.transactions_id_seq');
  tx_ts   timestamptz := now();
  hold    uuid := gen_random_uuid();
  world   CONSTANT uuid := pgbank_private.world();
BEGIN
  IF from_account = world THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('hold: from_account %L is the world account', world), HINT = 'money from outside comes in by top_up';
  END IF;
  -- Idempotency first, as in transfer(): a repeat racing this call waits on the request's key.
  INSERT INTO pgbank.requests (account, request_id, kind, expires_in, transaction_ids, ts, hold_id)
  VALUES (from_account, request_id, 'hold', expires_in, ARRAY[tx_id], tx_ts, hold)
  ON CONFLICT ON CONSTRAINT requests_pkey DO NOTHING;
  IF NOT FOUND THEN
    RETURN pgbank_private.replay_one('hold', from_account, request_id, to_account, amount, expires_in);
  END IF;
  -- Lock the accounts in one global order (smaller id first), one row per statement, reading only
  -- what the checks need. The world account is never locked (nor read): it keeps no balance.
  IF to_account < from_account AND to_account <> world THEN
    SELECT u.id, CASE WHEN u.status = 'closed' OR u.status = 'frozen' AND u.credits_frozen THEN 'account_' || u.status END, u.currency, u.minor_units
      INTO payee_id, payee_block, payee_currency, payee_units FROM pgbank.users u WHERE u.id = to_account FOR UPDATE;
  END IF;
  SELECT u.id, u.balance - u.held - u.lower_limit, CASE WHEN u.status <> 'open' THEN 'account_' || u.status END, u.currency, u.minor_units
    INTO payer_id, room, payer_block, payer_currency, units FROM pgbank.users u WHERE u.id = from_account FOR UPDATE;
  IF to_account = world THEN
    payee_id := world;
  ELSIF to_account = from_account THEN
    payee_id := payer_id;
  ELSIF to_account > from_account THEN
    SELECT u.id, CASE WHEN u.status = 'closed' OR u.status = 'frozen' AND u.credits_frozen THEN 'account_' || u.status END, u.currency, u.minor_units
      INTO payee_id, payee_block, payee_currency, payee_units FROM pgbank.users u WHERE u.id = to_account FOR UPDATE;
  END IF;
  -- The amount is in the payer's currency (the payee's when the payer is unknown; else the default's).
  IF units IS NULL THEN
    SELECT coalesce(payee_currency, d.code), coalesce(payee_units, d.minor_units) INTO payer_currency, units FROM pgbank_private.default_currency() d;
  END IF;
  IF amount <> round(amount, units) THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('hold: amount %s has more decimals than %s allows (%s)', amount, payer_currency, units),
      HINT = 'an amount has at most its currency''s minor units: JPY 0, USD 2, BHD 3';
  END IF;
  amount := round(amount, units);  -- stored and returned with the currency's decimals
  reason := CASE WHEN payer_id IS NULL OR payee_id IS NULL THEN 'unknown_account'
                 WHEN from_account = to_account THEN 'same_account'
                 WHEN coalesce(payer_block, payee_block) IS NOT NULL THEN coalesce(payer_block, payee_block)
                 WHEN payer_currency <> payee_currency THEN 'currency_mismatch'
                 WHEN room < amount THEN 'insufficient_funds'
            END;
  status := CASE WHEN reason IS NULL THEN 'held' ELSE 'failed' END;
  -- The trigger on transactions reserves the funds of a 'held' row.
  INSERT INTO pgbank.transactions (id, ts, sender, receiver, amount, status, reason, metadata)
  VALUES (tx_id, tx_ts, from_account, to_account, amount, status, reason, place_hold.metadata);
  IF reason IS NOT NULL THEN  -- a failed hold has no hold nor deadline (as its replay says)
    RETURN (NULL::uuid, status, reason, request_id, tx_id, tx_ts, from_account, to_account, amount, NULL::numeric, NULL::timestamptz, false);
  END IF;
  INSERT INTO pgbank.holds (account, id, request_id, receiver, amount, expires_at, transaction_id, ts)
  VALUES (from_account, hold, request_id, to_account, amount, tx_ts + expires_in, tx_id, tx_ts);
  RETURN (hold, status, reason, request_id, tx_id, tx_ts, from_account, to_account, amount, NULL::numeric, tx_ts + expires_in, false);
END
$$;

ALTER FUNCTION pgbank_private.place_hold(request_id text, from_account uuid, to_account uuid, amount numeric, expires_in interval, metadata jsonb) OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.place_hold(request_id text, from_account uuid, to_account uuid, amount numeric, expires_in interval, metadata jsonb) IS 'Helper: performs (or replays) one hold: records the request, locks in account-id order, checks status and funds, writes the attempt';

CREATE FUNCTION pgbank_private.provider_history_append_only() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pgbank', 'pg_temp'
    AS $$
BEGIN
  -- Also what keeps provider_transaction_totals exact: it only ever needs to add.
  RAISE EXCEPTION USING ERRCODE = '0A000',
    MESSAGE = format('historical_transactions is append-only: %s is not allowed', TG_OP),
    HINT = 'record a correcting transaction with the opposite value instead';
END
$$;

ALTER FUNCTION pgbank_private.provider_history_append_only() OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.provider_history_append_only() IS 'Statement trigger on pgbank.historical_transactions: refuses UPDATE, DELETE and TRUNCATE';

CREATE FUNCTION pgbank_private.provider_seed_example(OUT providers_added integer, OUT transactions_added integer) RETURNS record
    LANGUAGE plpgsql
    SET search_path TO 'pgbank', 'pg_temp'
    AS $$
BEGIN
  -- Serializes concurrent callers: the "is it missing?" checks below then see each other's rows.
  LOCK TABLE initial_data IN SHARE ROW EXCLUSIVE MODE;

  INSERT INTO initial_data (id, provider_name, initial_value)
  VALUES (1, 'Visa', 1000.00), (2, 'Mastercard', 2000.00)
  ON CONFLICT (id) DO NOTHING;
  GET DIAGNOSTICS providers_added = ROW_COUNT;
  -- Explicit ids leave the identity behind: move it past them so later providers get new ids.
  PERFORM setval(pg_get_serial_sequence('pgbank.initial_data', 'id'),
                 greatest((SELECT max(d.id) FROM initial_data d), (SELECT s.last_value FROM initial_data_id_seq s)));

  -- The example history only goes into an empty history, where it gets ids 1, 2, 3 as in the seed.
  transactions_added := 0;
  IF NOT EXISTS (SELECT FROM historical_transactions) THEN
    INSERT INTO historical_transactions (provider_id, transaction_value)
    SELECT v.provider_id, v.transaction_value
      FROM (VALUES (1, 1::bigint, 100.00::numeric), (2, 1, 200.00), (3, 2, -200.00)) AS v(n, provider_id, transaction_value)
     ORDER BY v.n;
    GET DIAGNOSTICS transactions_added = ROW_COUNT;
  END IF;
END
$$;

ALTER FUNCTION pgbank_private.provider_seed_example(OUT providers_added integer, OUT transactions_added integer) OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.provider_seed_example(OUT providers_added integer, OUT transactions_added integer) IS 'Adds the seed''s example providers (1 Visa 1000, 2 Mastercard 2000) if missing, and their history (100, 200, -200) if the history is empty';

CREATE FUNCTION pgbank_private.provider_totals_add() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pgbank', 'pg_temp'
    AS $$
BEGIN
  -- One upsert per provider per statement (not per row): a batch of 1,000 messages touches a
  -- handful of totals rows. Locked in provider order so concurrent batches cannot deadlock.
  INSERT INTO provider_transaction_totals AS t (provider_id, total, transactions)
  SELECT i.provider_id, sum(i.transaction_value), count(*)
    FROM inserted i
   GROUP BY i.provider_id
   ORDER BY i.provider_id
  ON CONFLICT (provider_id) DO UPDATE
     SET total        = t.total + excluded.total,
         transactions = t.transactions + excluded.transactions;
  RETURN NULL;
END
$$;

ALTER FUNCTION pgbank_private.provider_totals_add() OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.provider_totals_add() IS 'Statement trigger on pgbank.historical_transactions: adds the inserted rows to pgbank.provider_transaction_totals';

CREATE FUNCTION pgbank_private.provider_totals_verify() RETURNS TABLE(provider_id bigint, kept_total numeric, real_total numeric, kept_transactions bigint, real_transactions bigint)
    LANGUAGE sql STABLE
    SET search_path TO 'pgbank', 'pg_temp'
    AS $$
  SELECT d.id, coalesce(t.total, 0), coalesce(h.total, 0), coalesce(t.transactions, 0), coalesce(h.transactions, 0)
    FROM initial_data d
    LEFT JOIN provider_transaction_totals t ON t.provider_id = d.id
    LEFT JOIN (SELECT ht.provider_id, sum(ht.transaction_value) AS total, count(*) AS transactions
                 FROM historical_transactions ht GROUP BY ht.provider_id) h ON h.provider_id = d.id
   WHERE coalesce(t.total, 0) <> coalesce(h.total, 0) OR coalesce(t.transactions, 0) <> coalesce(h.transactions, 0)
   ORDER BY d.id
$$;

ALTER FUNCTION pgbank_private.provider_totals_verify() OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.provider_totals_verify() IS 'Providers whose kept totals differ from their history (a full scan); empty when every total is exact';

CREATE FUNCTION pgbank_private.remote_shard(id uuid) RETURNS integer
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
  -- NULL on a single node (no shard_config row), for the world account (every shard has it) and for NULL.
  SELECT x.owner
    FROM (SELECT hashtext(id::text) & (c.shard_count - 1) AS owner, c.shard_no FROM pgbank.shard_config c) x
   WHERE x.owner <> x.shard_no AND id <> pgbank_private.world()
$$;

ALTER FUNCTION pgbank_private.remote_shard(id uuid) OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.remote_shard(id uuid) IS 'Helper: number of the shard owning account id (hashtext(id::text) & (shard_count - 1)) when it is another shard; NULL when this one owns it';

CREATE FUNCTION pgbank_private.replay_one(kind text, account uuid, request_id text, to_account uuid, amount numeric, expires_in interval) RETURNS pgbank.hold_result
    LANGUAGE plpgsql STABLE
    AS $$  -- names are schema-qualified: no SET search_path, which costs every call
DECLARE
  req pgbank.requests := pgbank_private.stored_request(account, request_id);
BEGIN
  PERFORM pgbank_private.replay_request(req, kind, ARRAY[to_account], ARRAY[amount], expires_in);
  RETURN pgbank_private.request_outcome(req);
END
$$;

ALTER FUNCTION pgbank_private.replay_one(kind text, account uuid, request_id text, to_account uuid, amount numeric, expires_in interval) OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.replay_one(kind text, account uuid, request_id text, to_account uuid, amount numeric, expires_in interval) IS 'Helper: a repeated single request''s first outcome (PB001 when its parameters differ)';

CREATE TABLE pgbank.requests (
    account uuid NOT NULL,
    request_id pgbank.request_key NOT NULL,
    kind pgbank.request_kind NOT NULL,
    from_accounts uuid[],
    to_accounts uuid[],
    amounts numeric[],
    expires_in interval,
    status pgbank.request_status,
    reason text,
    transaction_ids bigint[],
    ts timestamp with time zone,
    hold_id uuid,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    reverses bigint
);

ALTER TABLE pgbank.requests OWNER TO postgres;

COMMENT ON TABLE pgbank.requests IS 'Idempotency: every request by (paying account, request_id), its parameters and outcome';

COMMENT ON COLUMN pgbank.requests.status IS 'success or failed; NULL in a narrow record, whose outcome (and receiver and amount) its ledger row holds';

COMMENT ON COLUMN pgbank.requests.reverses IS 'For a reversal: the transaction it reverses';

CREATE FUNCTION pgbank_private.replay_request(req pgbank.requests, kind text, to_accounts uuid[], amounts numeric[], expires_in interval, from_accounts uuid[] DEFAULT NULL::uuid[]) RETURNS void
    LANGUAGE plpgsql STABLE
    AS $$
BEGIN
  -- numeric[] equality compares values: 10.5 and 10.50 are the same amount.
  IF (req.kind, req.from_accounts, req.to_accounts, req.amounts, req.expires_in)
     IS DISTINCT FROM (kind, from_accounts, to_accounts, amounts, expires_in) THEN
    RAISE EXCEPTION USING ERRCODE = 'PB001',
      MESSAGE = format('request_id %s of account %L was already used with other parameters', pgbank_private.shown(req.request_id), req.account),
      DETAIL = left(format('first: %s %sto %s of %s%s; now: %s %sto %s of %s%s',
                      req.kind, coalesce('from ' || req.from_accounts::text || ' ', ''), req.to_accounts, req.amounts,
                      coalesce(' for ' || req.expires_in, ''),
                      kind, coalesce('from ' || from_accounts::text || ' ', ''), to_accounts,
                      -- the amounts sent, with the first's decimals when they have no more (its currency's)
                      ARRAY(SELECT CASE WHEN scale(x.a) < scale(x.f) THEN round(x.a, scale(x.f)) ELSE x.a END
                              FROM unnest(amounts, req.amounts) WITH ORDINALITY AS x(a, f, i)
                             WHERE x.i <= cardinality(amounts) ORDER BY x.i),
                      coalesce(' for ' || expires_in, '')), 500),
      HINT = 'use a new request_id for a new request';
  END IF;
END
$$;

ALTER FUNCTION pgbank_private.replay_request(req pgbank.requests, kind text, to_accounts uuid[], amounts numeric[], expires_in interval, from_accounts uuid[]) OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.replay_request(req pgbank.requests, kind text, to_accounts uuid[], amounts numeric[], expires_in interval, from_accounts uuid[]) IS 'Helper: raises PB001 when a repeated request id comes with different parameters';

CREATE FUNCTION pgbank_private.request_outcome(req pgbank.requests, replayed boolean DEFAULT true) RETURNS pgbank.hold_result
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pgbank', 'pg_temp'
    AS $$
DECLARE
  h holds;
BEGIN
  IF req.hold_id IS NOT NULL THEN
    SELECT * INTO h FROM holds x WHERE x.account = req.account AND x.id = req.hold_id;
  END IF;
  RETURN (req.hold_id,
          CASE WHEN req.status = 'failed' THEN 'failed' WHEN req.kind = 'hold' THEN 'held' ELSE 'success' END,
          req.reason, req.request_id::text, req.transaction_ids[1], req.ts,
          CASE WHEN req.kind = 'top_up' THEN pgbank_private.world() ELSE req.account END, req.to_accounts[1],
          req.amounts[1], h.posted_amount, h.expires_at, replayed);
END
$$;

ALTER FUNCTION pgbank_private.request_outcome(req pgbank.requests, replayed boolean) OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.request_outcome(req pgbank.requests, replayed boolean) IS 'Helper: a recorded request''s outcome as pgbank.hold_result (a repeat returns it)';

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

CREATE FUNCTION pgbank_private.send_to_shard(request_id text, from_account uuid, to_account uuid, amount numeric, peer integer, metadata jsonb DEFAULT NULL::jsonb) RETURNS pgbank.transfer_result
    LANGUAGE plpgsql
    SET search_path TO 'pgbank', 'pg_temp'
    AS $$
DECLARE
  payer_id uuid;
  room     numeric;  -- balance - held - lower limit (NULL: no limit)
  blocked  text;     -- account_frozen / account_closed when the payer takes no debits
  failure  text;     -- why the transfer fails (NULL: it goes)
  req      requests;
  tx_id    bigint := nextval('pgbank.transactions_id_seq');
  tx_ts    timestamptz := now();
BEGIN
  IF from_account = pgbank_private.world() THEN  -- as transfer() says it
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('transfer: from_account %L is the world account', from_account),
      HINT = 'money from outside comes in by top_up';
  END IF;
  -- The request's key first, as every other path takes it (docs/ledger.md): a repeat racing this
  -- call waits on it until this one commits, then replays it. Recorded as a success; a failure
  -- found under the payer's lock below rewrites it.
  INSERT INTO requests (account, request_id, kind, to_accounts, amounts, status, transaction_ids, ts)
  VALUES (from_account, request_id, 'transfer', ARRAY[to_account], ARRAY[amount], 'success', ARRAY[tx_id], tx_ts)
  ON CONFLICT ON CONSTRAINT requests_pkey DO NOTHING;
  IF NOT FOUND THEN  -- a repeat: its first outcome, with where the money is now
    SELECT * INTO req FROM requests r WHERE r.account = from_account AND r.request_id = send_to_shard.request_id;
    PERFORM pgbank_private.replay_request(req, 'transfer', ARRAY[to_account], ARRAY[amount], NULL);
    RETURN pgbank_private.shard_request_outcome(req);
  END IF;

  -- Then the payer, then (by the trigger) the clearing account, whose id is greater than any
  -- account's: the same global order as every other lock on a shard.
  SELECT u.id, u.balance - u.held - u.lower_limit, CASE WHEN u.status <> 'open' THEN 'account_' || u.status END
    INTO payer_id, room, blocked FROM users u WHERE u.id = from_account FOR UPDATE;
  failure := CASE WHEN payer_id IS NULL THEN 'unknown_account' WHEN blocked IS NOT NULL THEN blocked
                 WHEN room < amount THEN 'insufficient_funds' END;
  IF failure IS NOT NULL THEN
    UPDATE requests r SET status = 'failed', reason = failure
     WHERE r.account = from_account AND r.request_id = send_to_shard.request_id;
  END IF;

  -- A failed attempt is recorded naming the payee, as on one node; money moves to the clearing account.
  INSERT INTO transactions (id, ts, sender, receiver, amount, status, reason, metadata)
  VALUES (tx_id, tx_ts, from_account, CASE WHEN failure IS NULL THEN pgbank_private.clearing_account(peer) ELSE to_account END,
          amount, CASE WHEN failure IS NULL THEN 'success' ELSE 'failed' END, failure, send_to_shard.metadata);
  IF failure IS NULL THEN
    INSERT INTO shard_outbox (account, request_id, to_account, to_shard, amount, transaction_id, ts, metadata)
    VALUES (from_account, request_id, to_account, peer, amount, tx_id, tx_ts, send_to_shard.metadata);
  END IF;
  RETURN (request_id, CASE WHEN failure IS NULL THEN 'in_transit' ELSE 'failed' END, failure, tx_id, tx_ts,
          from_account, to_account, amount, false)::transfer_result;
END
$$;

ALTER FUNCTION pgbank_private.send_to_shard(request_id text, from_account uuid, to_account uuid, amount numeric, peer integer, metadata jsonb) OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.send_to_shard(request_id text, from_account uuid, to_account uuid, amount numeric, peer integer, metadata jsonb) IS 'Helper: the payer leg of a cross-shard transfer (payer -> clearing account of shard peer, outbox row, the metadata on both), idempotent per (payer, request_id), the request''s key taken before the payer''s lock; status in_transit or failed';

CREATE TABLE pgbank.currencies (
    code text NOT NULL COLLATE pg_catalog."C",
    minor_units smallint NOT NULL,
    name text NOT NULL,
    is_default boolean DEFAULT false NOT NULL,
    CONSTRAINT currencies_code_check CHECK ((code ~ '^[A-Z]{3}$'::text)),
    CONSTRAINT currencies_minor_units_check CHECK (((minor_units >= 0) AND (minor_units <= 4))),
    CONSTRAINT currencies_name_check CHECK (((name <> ''::text) AND (length(name) <= 100)))
);

ALTER TABLE pgbank.currencies OWNER TO postgres;

COMMENT ON TABLE pgbank.currencies IS 'ISO 4217 currencies an account may have: code, minor units (decimals an amount may have), name; operators may add rows';

COMMENT ON COLUMN pgbank.currencies.is_default IS 'The database''s default currency (one row), also the users column defaults: change both with pgbank_private.set_default_currency';

CREATE FUNCTION pgbank_private.set_default_currency(code text) RETURNS pgbank.currencies
    LANGUAGE plpgsql
    SET search_path TO 'pgbank', 'pg_temp'
    AS $_$
DECLARE
  c currencies;
BEGIN
  SELECT * INTO c FROM currencies x WHERE x.code = set_default_currency.code FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('set_default_currency: unknown currency %s', pgbank_private.shown(code)),
      HINT = 'pgbank.currencies lists the codes; an operator may insert one';
  END IF;
  UPDATE currencies x SET is_default = false WHERE x.is_default;  -- first: one default at any moment
  UPDATE currencies x SET is_default = true WHERE x.code = c.code;
  -- The column defaults are the default: a new row without a currency gets it, with zeros at its scale.
  EXECUTE format('ALTER TABLE pgbank.users ALTER COLUMN currency SET DEFAULT %L, ALTER COLUMN minor_units SET DEFAULT %s,'
                 ' ALTER COLUMN balance SET DEFAULT %3$s, ALTER COLUMN held SET DEFAULT %3$s, ALTER COLUMN lower_limit SET DEFAULT %3$s,'
                 ' ALTER COLUMN day_sent SET DEFAULT %3$s, ALTER COLUMN day_received SET DEFAULT %3$s',
                 c.code, c.minor_units, round(0, c.minor_units));
  c.is_default := true;
  RETURN c;
END
$_$;

ALTER FUNCTION pgbank_private.set_default_currency(code text) OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.set_default_currency(code text) IS 'Operators: sets the currency new accounts get when none is named (the users column defaults); existing accounts keep theirs';

CREATE FUNCTION pgbank_private.shard_configure(shard_no integer, shard_count integer) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pgbank', 'pg_temp'
    AS $$
DECLARE
  c        shard_config;
  first_id bigint := greatest(1, shard_no::bigint << 52);  -- 2^52 ids a shard, 1,024 shards at most
  last_id  bigint := (shard_no::bigint << 52) + (1::bigint << 52) - 1;
  next_id  bigint;
BEGIN
  IF shard_count IS NULL OR shard_no IS NULL OR shard_count NOT BETWEEN 1 AND 1024 OR shard_count & (shard_count - 1) <> 0
     OR shard_no NOT BETWEEN 0 AND shard_count - 1 THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('shard_configure: shard %s of %s: the count must be a power of two up to 1024, the number 0 to count - 1',
                       coalesce(shard_no::text, 'NULL'), coalesce(shard_count::text, 'NULL'));
  END IF;
  SELECT * INTO c FROM shard_config;
  IF FOUND AND (c.shard_no, c.shard_count) IS DISTINCT FROM (shard_no, shard_count) THEN
    RAISE EXCEPTION USING ERRCODE = '55000',
      MESSAGE = format('shard_configure: this database is already shard %s of %s, not %s of %s', c.shard_no, c.shard_count, shard_no, shard_count),
      HINT = 'adding shards moves accounts: see docs/scaling.md';
  END IF;
  INSERT INTO shard_config (shard_no, shard_count) VALUES (shard_no, shard_count) ON CONFLICT DO NOTHING;
  -- Clearing accounts have no lower limit: the one for a peer goes below 0 by what that peer sent here.
  INSERT INTO users (id, name, lower_limit)
  SELECT pgbank_private.clearing_account(p), format('clearing: shard %s', p), NULL
    FROM generate_series(0, shard_count - 1) p
   WHERE p <> shard_no
  ON CONFLICT (id) DO NOTHING;
  -- A transaction id names one shard's row (the router's reverse() asks every shard for it): shard
  -- k numbers from k * 2^52. Ids drawn here below the range (a shard configured before migration
  -- 0025, or the copied half of a split) stay, and shard_config remembers up to where.
  SELECT CASE WHEN s.is_called THEN s.last_value + 1 ELSE s.last_value END INTO next_id FROM pgbank.transactions_id_seq s;
  IF next_id < first_id THEN
    UPDATE shard_config x SET older_ids_up_to = greatest(x.older_ids_up_to, next_id - 1);
  END IF;
  EXECUTE format('ALTER SEQUENCE pgbank.transactions_id_seq MINVALUE %s MAXVALUE %s START WITH %s%s',
                 first_id, last_id, first_id, CASE WHEN next_id < first_id THEN ' RESTART WITH ' || first_id END);
END
$$;

ALTER FUNCTION pgbank_private.shard_configure(shard_no integer, shard_count integer) OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.shard_configure(shard_no integer, shard_count integer) IS 'Helper (npm run shards): makes this database shard shard_no of shard_count, with a clearing account per peer and transaction ids from shard_no * 2^52; idempotent';

CREATE FUNCTION pgbank_private.shard_outbox_pending(max_rows integer DEFAULT 500) RETURNS TABLE(id bigint, account uuid, request_id text, to_account uuid, to_shard integer, amount numeric, ts timestamp with time zone, metadata jsonb)
    LANGUAGE sql STABLE
    AS $$
  SELECT o.id, o.account, o.request_id, o.to_account, o.to_shard, o.amount, o.ts, o.metadata
    FROM pgbank.shard_outbox o
   WHERE o.status = 'pending'
   ORDER BY o.id
   LIMIT max_rows
$$;

ALTER FUNCTION pgbank_private.shard_outbox_pending(max_rows integer) OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.shard_outbox_pending(max_rows integer) IS 'Helper (delivery): up to max_rows pending cross-shard transfers paid on this shard (with their metadata), oldest first';

CREATE FUNCTION pgbank_private.shard_receive(from_shard integer, accounts uuid[], request_ids text[], to_accounts uuid[], amounts numeric[], metadatas jsonb[] DEFAULT NULL::jsonb[]) RETURNS TABLE(account uuid, request_id text, outcome text, reason text, transaction_id bigint)
    LANGUAGE plpgsql
    SET search_path TO 'pgbank', 'pg_temp'
    AS $$
DECLARE
  clearing uuid := pgbank_private.clearing_account(from_shard);
  item     record;
  got      shard_inbox;
  balance  numeric;
  blocked  text;     -- account_closed / account_frozen when the payee takes no credits
  tx_id    bigint;
BEGIN
  IF NOT EXISTS (SELECT FROM shard_config c WHERE c.shard_no <> from_shard AND from_shard BETWEEN 0 AND c.shard_count - 1) THEN
    RAISE EXCEPTION USING ERRCODE = '55000', MESSAGE = format('shard_receive: this database is no shard that shard %s may pay', from_shard);
  END IF;
  -- Every payee first, in id order, then (by the trigger, at the first credit) the clearing
  -- account, whose id is the greatest: the global order, so no deadlock with transfers here.
  PERFORM FROM users u
    WHERE u.id = ANY (to_accounts) AND u.id <> pgbank_private.world() AND NOT pgbank_private.is_clearing(u.id)
    ORDER BY u.id FOR UPDATE;
  FOR item IN SELECT x.account, x.request_id, x.to_account, x.amount, x.metadata
                FROM unnest(accounts, request_ids, to_accounts, amounts, metadatas) AS x (account, request_id, to_account, amount, metadata)
               ORDER BY x.to_account LOOP
    SELECT * INTO got FROM shard_inbox b WHERE b.account = item.account AND b.request_id = item.request_id;
    IF NOT FOUND THEN
      SELECT u.balance, CASE WHEN u.status = 'closed' OR u.status = 'frozen' AND u.credits_frozen THEN 'account_' || u.status END
        INTO balance, blocked FROM users u
       WHERE u.id = item.to_account AND u.id <> pgbank_private.world() AND NOT pgbank_private.is_clearing(u.id);
      reason := CASE WHEN NOT FOUND THEN 'unknown_account' WHEN blocked IS NOT NULL THEN blocked
                     WHEN balance > pgbank_private.max_balance() - item.amount THEN 'balance_limit' END;
      tx_id := CASE WHEN reason IS NULL THEN nextval('pgbank.transactions_id_seq') END;
      INSERT INTO shard_inbox AS b (account, request_id, from_shard, to_account, amount, outcome, reason, transaction_id)
      VALUES (item.account, item.request_id, from_shard, item.to_account, item.amount,
              CASE WHEN reason IS NULL THEN 'credited' ELSE 'returned' END, reason, tx_id)
      ON CONFLICT ON CONSTRAINT shard_inbox_pkey DO NOTHING
      RETURNING b.* INTO got;
      IF got.account IS NULL THEN  -- another delivery of the same request got there first
        SELECT * INTO got FROM shard_inbox b WHERE b.account = item.account AND b.request_id = item.request_id;
      ELSIF reason IS NULL THEN
        INSERT INTO transactions (id, ts, sender, receiver, amount, status, metadata)
        VALUES (tx_id, got.ts, clearing, item.to_account, item.amount, 'success', item.metadata);
      END IF;
    END IF;
    account := got.account;
    request_id := got.request_id;
    outcome := got.outcome;
    reason := got.reason;
    transaction_id := got.transaction_id;
    RETURN NEXT;
  END LOOP;
END
$$;

ALTER FUNCTION pgbank_private.shard_receive(from_shard integer, accounts uuid[], request_ids text[], to_accounts uuid[], amounts numeric[], metadatas jsonb[]) OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.shard_receive(from_shard integer, accounts uuid[], request_ids text[], to_accounts uuid[], amounts numeric[], metadatas jsonb[]) IS 'Helper (delivery): credits transfers sent by shard from_shard (its clearing account -> payee, with their metadata) or returns them (payee unknown, closed or refusing credits), idempotent per (payer, request_id)';

CREATE FUNCTION pgbank_private.shard_request_outcome(req pgbank.requests) RETURNS pgbank.transfer_result
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pgbank', 'pg_temp'
    AS $$
DECLARE
  r pgbank.hold_result := pgbank_private.request_outcome(req);
  o shard_outbox;
BEGIN
  SELECT * INTO o FROM shard_outbox x WHERE x.account = req.account AND x.request_id = req.request_id;
  IF FOUND THEN
    r.status := CASE o.status WHEN 'pending' THEN 'in_transit' WHEN 'delivered' THEN 'success' ELSE 'returned' END;
    r.reason := o.reason;
  END IF;
  RETURN (r.request_id, r.status, r.reason, r.transaction_id, r.ts, r.from_account, r.to_account, r.amount, r.replayed)::transfer_result;
END
$$;

ALTER FUNCTION pgbank_private.shard_request_outcome(req pgbank.requests) OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.shard_request_outcome(req pgbank.requests) IS 'Helper: a repeated request''s outcome; for a cross-shard transfer its state now (in_transit, success once credited, returned with the reason)';

CREATE FUNCTION pgbank_private.shard_settle(ids bigint[], outcomes text[], reasons text[], credit_ids bigint[]) RETURNS integer
    LANGUAGE plpgsql
    SET search_path TO 'pgbank', 'pg_temp'
    AS $$
DECLARE
  item    record;
  tx_id   bigint;
  settled int := 0;
BEGIN
  -- Payers of returned transfers first, in id order; then the outbox rows; the clearing accounts
  -- (greatest ids) last, by the trigger.
  PERFORM FROM users u
    WHERE u.id IN (SELECT o.account FROM shard_outbox o JOIN unnest(ids, outcomes) AS x (id, outcome) ON o.id = x.id
                    WHERE x.outcome = 'returned' AND o.status = 'pending')
    ORDER BY u.id FOR UPDATE;
  FOR item IN SELECT o.id, o.account, o.to_shard, o.amount, o.metadata, x.outcome, x.reason, x.credit_id
                FROM shard_outbox o JOIN unnest(ids, outcomes, reasons, credit_ids) AS x (id, outcome, reason, credit_id) ON o.id = x.id
               WHERE o.status = 'pending'
               ORDER BY o.id
                 FOR UPDATE OF o LOOP
    CONTINUE WHEN item.outcome IS NULL;
    IF item.outcome = 'credited' THEN
      UPDATE shard_outbox o SET status = 'delivered', credit_transaction_id = item.credit_id, finished_at = now()
       WHERE o.id = item.id AND o.status = 'pending';
    ELSIF item.outcome = 'returned' THEN
      tx_id := nextval('pgbank.transactions_id_seq');
      INSERT INTO transactions (id, ts, sender, receiver, amount, status, metadata)  -- the payment's metadata: what came back
      VALUES (tx_id, now(), pgbank_private.clearing_account(item.to_shard), item.account, item.amount, 'success', item.metadata);
      UPDATE shard_outbox o SET status = 'returned', reason = item.reason, return_transaction_id = tx_id, finished_at = now()
       WHERE o.id = item.id AND o.status = 'pending';
    ELSE
      RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('shard_settle: unknown outcome %L for outbox row %s', item.outcome, item.id);
    END IF;
    IF FOUND THEN settled := settled + 1; END IF;
  END LOOP;
  RETURN settled;
END
$$;

ALTER FUNCTION pgbank_private.shard_settle(ids bigint[], outcomes text[], reasons text[], credit_ids bigint[]) OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.shard_settle(ids bigint[], outcomes text[], reasons text[], credit_ids bigint[]) IS 'Helper (delivery): marks outbox rows delivered, or returns their money to the payer (recorded), once; returns how many it closed';

CREATE FUNCTION pgbank_private.shown(value text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  SELECT CASE WHEN value IS NULL THEN 'NULL'
              WHEN length(value) <= 100 THEN quote_literal(value)
              ELSE quote_literal(left(value, 100)) || format('… (%s characters)', length(value)) END
$$;

ALTER FUNCTION pgbank_private.shown(value text) OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.shown(value text) IS 'Helper: a value quoted for an error message, cut to 100 characters with its length stated';

CREATE FUNCTION pgbank_private.stored_request(account uuid, request_id text) RETURNS pgbank.requests
    LANGUAGE plpgsql STABLE
    AS $$  -- names are schema-qualified: no SET search_path, which costs every call
DECLARE
  req pgbank.requests;
  tx  pgbank.transactions;
BEGIN
  SELECT * INTO req FROM pgbank.requests r WHERE r.account = stored_request.account AND r.request_id = stored_request.request_id;
  IF FOUND AND req.status IS NULL THEN
    SELECT * INTO tx FROM pgbank.transactions t
     WHERE t.sender = CASE WHEN req.kind = 'top_up' THEN pgbank_private.world() ELSE req.account END
       AND t.ts = req.ts AND t.id = req.transaction_ids[1];
    req.to_accounts := ARRAY[tx.receiver];
    req.amounts := ARRAY[tx.amount::numeric];
    req.status := CASE WHEN tx.status = 'failed' THEN 'failed' ELSE 'success' END;
    req.reason := tx.reason;
    IF tx.status = 'failed' THEN
      req.hold_id := NULL;  -- a failed hold has none
    END IF;
  END IF;
  RETURN req;
END
$$;

ALTER FUNCTION pgbank_private.stored_request(account uuid, request_id text) OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.stored_request(account uuid, request_id text) IS 'Helper: a recorded request with its parameters and outcome (a narrow record reads them from its ledger row)';

CREATE FUNCTION pgbank_private.sum_partial_days(user_id uuid, direction text, first_start timestamp with time zone, first_end timestamp with time zone, second_start timestamp with time zone DEFAULT NULL::timestamp with time zone, second_end timestamp with time zone DEFAULT NULL::timestamp with time zone) RETURNS numeric
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pgbank', 'pg_temp'
    AS $_$
DECLARE
  -- Naming the partition skips planning over the parent's ~1,450 partitions (2-3x faster). With
  -- no partition by the expected name, the parent answers, which is always right.
  -- direction is 'sender' or 'receiver' (checked by the caller), quoted by %I all the same.
  part_sql text := 'SELECT amount FROM %s WHERE %I = $1 AND ts >= $%s AND ts < $%s AND status = ''success''';
  query    text := format(part_sql, coalesce(pgbank_private.partition_for_day((first_start AT TIME ZONE 'UTC')::date),
                                             'pgbank.transactions'::regclass), direction, 2, 3);
  result   numeric;
BEGIN
  IF second_start IS NOT NULL THEN
    query := query || ' UNION ALL ' || format(part_sql, coalesce(pgbank_private.partition_for_day((second_start AT TIME ZONE 'UTC')::date),
                                                                 'pgbank.transactions'::regclass), direction, 4, 5);
  END IF;
  EXECUTE 'SELECT coalesce(sum(amount), 0) FROM (' || query || ') AS parts' INTO result
    USING user_id, first_start, first_end, second_start, second_end;
  RETURN result;
END
$_$;

ALTER FUNCTION pgbank_private.sum_partial_days(user_id uuid, direction text, first_start timestamp with time zone, first_end timestamp with time zone, second_start timestamp with time zone, second_end timestamp with time zone) OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.sum_partial_days(user_id uuid, direction text, first_start timestamp with time zone, first_end timestamp with time zone, second_start timestamp with time zone, second_end timestamp with time zone) IS 'Helper: a user''s effective transactions as ''sender'' or ''receiver'' in [first_start, first_end) and [second_start, second_end), each within one UTC day, from those days'' partitions';

CREATE FUNCTION pgbank_private.sum_window(user_id uuid, ts_start timestamp without time zone, ts_end timestamp without time zone, direction text) RETURNS numeric
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pgbank', 'pg_temp'
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
  -- total; a month cut by the window sums the slice of its days inside. The day whose totals the
  -- account's own row holds comes as one more month row, with that one day.
  SELECT coalesce(sum(CASE WHEN m.month >= first_day AND b.next_month <= end_day THEN m.total
                           WHEN first_day < end_day THEN
                             (SELECT sum(d) FROM unnest(m.days[greatest(first_day, m.month) - m.month + 1
                                                               : least(end_day, b.next_month) - m.month]) AS d)
                      END), 0),
         sum(m.days[ts_start::date - m.month + 1]) FILTER (WHERE m.month = date_trunc('month', ts_start)),
         sum(m.days[end_day - m.month + 1]) FILTER (WHERE m.month = date_trunc('month', end_day))
    INTO whole, left_day, right_day
    FROM (SELECT t.month::date AS month,
                 CASE WHEN direction = 'sender' THEN t.sent ELSE t.received END AS total,
                 CASE WHEN direction = 'sender' THEN t.sent_days ELSE t.received_days END::numeric[] AS days
            FROM user_monthly_totals t
           WHERE t.user_id = sum_window.user_id AND t.month >= date_trunc('month', ts_start) AND t.month <= end_day
          UNION ALL
          SELECT r.month, r.total, array_fill(0::numeric, ARRAY[r.i - 1]) || r.total || array_fill(0::numeric, ARRAY[31 - r.i])
            FROM users u
           CROSS JOIN LATERAL (SELECT date_trunc('month', u.totals_day::timestamp)::date AS month, extract(day FROM u.totals_day)::int AS i,
                                      CASE WHEN direction = 'sender' THEN u.day_sent ELSE u.day_received END AS total) r
           WHERE u.id = sum_window.user_id AND r.month >= date_trunc('month', ts_start) AND r.month <= end_day) m
   CROSS JOIN LATERAL (SELECT (m.month + interval '1 month')::date AS next_month) b;
  IF first_day >= end_day AND (ts_start::date = ts_end::date OR ts_end = end_day) THEN
    -- Within one day (or up to its end).
    RETURN CASE WHEN coalesce(left_day, 0) = 0 OR lo = hi THEN 0 ELSE pgbank_private.sum_partial_days(user_id, direction, lo, hi) END;
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
      THEN pgbank_private.sum_partial_days(user_id, direction, lo, first_day::timestamp AT TIME ZONE 'UTC', cut, hi)
    WHEN lo IS NOT NULL THEN pgbank_private.sum_partial_days(user_id, direction, lo, first_day::timestamp AT TIME ZONE 'UTC')
    WHEN hi IS NOT NULL THEN pgbank_private.sum_partial_days(user_id, direction, cut, hi)
    ELSE 0 END;
END
$$;

ALTER FUNCTION pgbank_private.sum_window(user_id uuid, ts_start timestamp without time zone, ts_end timestamp without time zone, direction text) OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.sum_window(user_id uuid, ts_start timestamp without time zone, ts_end timestamp without time zone, direction text) IS 'Helper: a user''s effective transactions as ''sender'' or ''receiver'' in [ts_start, ts_end), UTC, unchecked arguments';

CREATE FUNCTION pgbank_private.take_back(account uuid, sent numeric, received numeric, ts timestamp with time zone) RETURNS void
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

ALTER FUNCTION pgbank_private.take_back(account uuid, sent numeric, received numeric, ts timestamp with time zone) OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.take_back(account uuid, sent numeric, received numeric, ts timestamp with time zone) IS 'Helper: undoes one account''s part of a movement of this trigger call (balance, day or monthly totals, version) when the other account refused it';

CREATE FUNCTION pgbank_private.verify_history_copy() RETURNS TABLE(problem text, account uuid, ts timestamp with time zone, id bigint, sent boolean)
    LANGUAGE sql STABLE
    SET search_path TO 'pgbank', 'pg_temp'
    SET jit TO 'off'
    AS $$
  -- What the copy should hold, from the raw rows of the copied days, against what it holds.
  WITH copied AS (
    SELECT s.copied_until::timestamp AT TIME ZONE 'UTC' AS until FROM history_copy_state s
  ), expected AS (
    SELECT x.account, t.ts, t.id, x.sent, x.counterparty, t.amount, t.status, t.reason, t.metadata, t.reverses
      FROM transactions t, copied c,
           LATERAL pgbank_private.ledger_sides(t.sender, t.receiver) x
     WHERE t.ts < c.until
  ), stored AS (
    SELECT h.account, h.ts, h.id, h.sent, h.counterparty, h.amount, h.status, h.reason, h.metadata, h.reverses FROM history_copy h
  )
  SELECT 'missing', e.account, e.ts, e.id, e.sent FROM (SELECT * FROM expected EXCEPT ALL SELECT * FROM stored) e
  UNION ALL
  SELECT 'extra', s.account, s.ts, s.id, s.sent FROM (SELECT * FROM stored EXCEPT ALL SELECT * FROM expected) s
$$;

ALTER FUNCTION pgbank_private.verify_history_copy() OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.verify_history_copy() IS 'Lists the rows where pgbank.history_copy differs from the ledger''s copied days (missing or extra); empty when they agree';

CREATE FUNCTION pgbank_private.verify_monthly_totals() RETURNS TABLE(user_id uuid, day date, stored_sent numeric, actual_sent numeric, stored_received numeric, actual_received numeric)
    LANGUAGE sql STABLE
    SET search_path TO 'pgbank', 'pg_temp'
    AS $$
  -- Independent of how the totals were written: unpack the stored days, sum the raw rows, compare.
  WITH stored AS (  -- a day's totals: its monthly row's day plus the account row's, when it holds that day
    SELECT x.user_id, x.day, sum(x.sent) AS sent, sum(x.received) AS received
      FROM (SELECT m.user_id, m.month + (d.i::int - 1) AS day, d.sent, d.received
              FROM user_monthly_totals m
             CROSS JOIN LATERAL unnest(m.sent_days, m.received_days) WITH ORDINALITY AS d(sent, received, i)
            UNION ALL
            SELECT u.id, u.totals_day, u.day_sent, u.day_received FROM users u WHERE u.totals_day IS NOT NULL) x
     GROUP BY 1, 2
    HAVING sum(x.sent) <> 0 OR sum(x.received) <> 0
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

ALTER FUNCTION pgbank_private.verify_monthly_totals() OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.verify_monthly_totals() IS 'Audit: (user, day) where pgbank.user_monthly_totals (and the day in pgbank.users) differs from the transactions (NULL amounts: a month total differs from its days); empty when exact';

CREATE FUNCTION pgbank_private.world() RETURNS uuid
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT '00000000-0000-0000-0000-000000000000'::uuid $$;

ALTER FUNCTION pgbank_private.world() OWNER TO postgres;

COMMENT ON FUNCTION pgbank_private.world() IS 'Helper: id of the world account (money from and to outside pgbank)';

CREATE TABLE pgbank.account_status_changes (
    account uuid NOT NULL,
    id bigint NOT NULL,
    from_status pgbank.account_status NOT NULL,
    to_status pgbank.account_status NOT NULL,
    credits_frozen boolean NOT NULL,
    changed_by text NOT NULL,
    reason text NOT NULL,
    db_user text DEFAULT SESSION_USER NOT NULL,
    changed_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL
);

ALTER TABLE pgbank.account_status_changes OWNER TO postgres;

COMMENT ON TABLE pgbank.account_status_changes IS 'Every account status change (pgbank.set_account_status): from, to, credits flag, who, why, when';

ALTER TABLE pgbank.account_status_changes ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME pgbank.account_status_changes_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE pgbank.historical_transactions (
    id bigint NOT NULL,
    provider_id bigint NOT NULL,
    transaction_value numeric NOT NULL,
    message_id text,
    CONSTRAINT historical_transactions_message_id_check CHECK ((message_id <> ''::text)),
    CONSTRAINT historical_transactions_transaction_value_check CHECK ((transaction_value <> ALL (ARRAY['NaN'::numeric, 'Infinity'::numeric, '-Infinity'::numeric])))
);

ALTER TABLE pgbank.historical_transactions OWNER TO postgres;

COMMENT ON TABLE pgbank.historical_transactions IS 'Append-only history of provider transactions; corrections are new rows with the opposite value';

ALTER TABLE pgbank.historical_transactions ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME pgbank.historical_transactions_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE pgbank.history_copy (
    account uuid NOT NULL,
    ts timestamp with time zone NOT NULL,
    id bigint NOT NULL,
    sent boolean NOT NULL,
    counterparty uuid NOT NULL,
    amount numeric NOT NULL,
    status text NOT NULL,
    reason text,
    metadata jsonb,
    reverses bigint
);

ALTER TABLE pgbank.history_copy OWNER TO postgres;

COMMENT ON TABLE pgbank.history_copy IS 'The rows of pgbank.transactions stamped before copied_until (history_copy_state), one per account and row; derived, kept by triggers on those days'' partitions';

CREATE TABLE pgbank.history_copy_state (
    only_row boolean DEFAULT true NOT NULL,
    copied_until date,
    CONSTRAINT history_copy_state_only_row_check CHECK (only_row)
);

ALTER TABLE pgbank.history_copy_state OWNER TO postgres;

COMMENT ON TABLE pgbank.history_copy_state IS 'One row: the UTC day before which pgbank.history_copy holds every ledger row (NULL: nothing copied yet)';

CREATE TABLE pgbank.holds (
    account uuid NOT NULL,
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    request_id text NOT NULL,
    receiver uuid NOT NULL,
    amount numeric NOT NULL,
    status text DEFAULT 'held'::text NOT NULL,
    posted_amount numeric,
    expires_at timestamp with time zone NOT NULL,
    transaction_id bigint NOT NULL,
    ts timestamp with time zone NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    finished_at timestamp with time zone,
    CONSTRAINT holds_amount_check CHECK ((amount > (0)::numeric)),
    CONSTRAINT holds_check CHECK (((posted_amount > (0)::numeric) AND (posted_amount <= amount))),
    CONSTRAINT holds_status_check CHECK ((status = ANY (ARRAY['held'::text, 'posted'::text, 'voided'::text, 'expired'::text])))
);

ALTER TABLE pgbank.holds OWNER TO postgres;

COMMENT ON TABLE pgbank.holds IS 'Two-phase transfers: held, then posted (fully or partly), voided or expired, exactly once';

CREATE TABLE pgbank.initial_data (
    id bigint NOT NULL,
    provider_name text NOT NULL,
    initial_value numeric NOT NULL,
    CONSTRAINT initial_data_initial_value_check CHECK ((initial_value <> ALL (ARRAY['NaN'::numeric, 'Infinity'::numeric, '-Infinity'::numeric]))),
    CONSTRAINT initial_data_provider_name_check CHECK ((provider_name <> ''::text))
);

ALTER TABLE pgbank.initial_data OWNER TO postgres;

COMMENT ON TABLE pgbank.initial_data IS 'Payment providers and their value before any historical transaction; KeyDB key {id}_{provider_name}';

ALTER TABLE pgbank.initial_data ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME pgbank.initial_data_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE pgbank.provider_transaction_totals (
    provider_id bigint NOT NULL,
    total numeric NOT NULL,
    transactions bigint NOT NULL,
    CONSTRAINT provider_transaction_totals_transactions_check CHECK ((transactions >= 0))
);

ALTER TABLE pgbank.provider_transaction_totals OWNER TO postgres;

COMMENT ON TABLE pgbank.provider_transaction_totals IS 'Per provider: sum and count of its historical_transactions; derived, exact (pgbank_private.provider_totals_verify checks it)';

CREATE TABLE pgbank.reversals (
    transaction_id bigint NOT NULL,
    ts timestamp with time zone NOT NULL,
    sender uuid NOT NULL,
    receiver uuid NOT NULL,
    amount pgbank.amount NOT NULL,
    reversed numeric DEFAULT 0 NOT NULL,
    reversal_ids bigint[] DEFAULT '{}'::bigint[] NOT NULL,
    CONSTRAINT reversals_within_original CHECK (((reversed >= (0)::numeric) AND (reversed <= (amount)::numeric)))
);

ALTER TABLE pgbank.reversals OWNER TO postgres;

COMMENT ON TABLE pgbank.reversals IS 'Per reversed transaction: the sum of its effective reversals (never more than its amount) and their ids';

CREATE TABLE pgbank.shard_config (
    only_row boolean DEFAULT true NOT NULL,
    shard_no integer NOT NULL,
    shard_count integer NOT NULL,
    configured_at timestamp with time zone DEFAULT now() NOT NULL,
    older_ids_up_to bigint DEFAULT 0 NOT NULL,
    CONSTRAINT shard_config_number CHECK (((shard_no >= 0) AND (shard_no < shard_count))),
    CONSTRAINT shard_config_only_row_check CHECK (only_row),
    CONSTRAINT shard_config_power_of_two CHECK ((((shard_count >= 1) AND (shard_count <= 1024)) AND ((shard_count & (shard_count - 1)) = 0)))
);

ALTER TABLE pgbank.shard_config OWNER TO postgres;

COMMENT ON TABLE pgbank.shard_config IS 'This database as a shard: its number and the shard count (a power of two); no row on a single node';

COMMENT ON COLUMN pgbank.shard_config.older_ids_up_to IS 'Transaction ids this shard may hold below its own range (drawn before the range, or a split''s copied rows): 1 to this';

CREATE TABLE pgbank.shard_inbox (
    account uuid NOT NULL,
    request_id pgbank.request_key NOT NULL,
    from_shard integer NOT NULL,
    to_account uuid NOT NULL,
    amount pgbank.amount NOT NULL,
    outcome text NOT NULL,
    reason text,
    transaction_id bigint,
    ts timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT shard_inbox_outcome_check CHECK ((outcome = ANY (ARRAY['credited'::text, 'returned'::text])))
);

ALTER TABLE pgbank.shard_inbox OWNER TO postgres;

COMMENT ON TABLE pgbank.shard_inbox IS 'Cross-shard transfers received by this shard, once per original (payer, request_id): credited or returned';

CREATE TABLE pgbank.shard_outbox (
    id bigint NOT NULL,
    account uuid NOT NULL,
    request_id pgbank.request_key NOT NULL,
    to_account uuid NOT NULL,
    to_shard integer NOT NULL,
    amount pgbank.amount NOT NULL,
    transaction_id bigint NOT NULL,
    ts timestamp with time zone NOT NULL,
    status text DEFAULT 'pending'::text NOT NULL,
    reason text,
    credit_transaction_id bigint,
    return_transaction_id bigint,
    finished_at timestamp with time zone,
    metadata jsonb,
    CONSTRAINT shard_outbox_status_check CHECK ((status = ANY (ARRAY['pending'::text, 'delivered'::text, 'returned'::text])))
);

ALTER TABLE pgbank.shard_outbox OWNER TO postgres;

COMMENT ON TABLE pgbank.shard_outbox IS 'Cross-shard transfers paid on this shard (payer -> clearing account of the payee''s shard), pending until credited there or returned';

COMMENT ON COLUMN pgbank.shard_outbox.metadata IS 'The transfer''s metadata, written on the payee''s credit (or the payer''s return) too';

ALTER TABLE pgbank.shard_outbox ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME pgbank.shard_outbox_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

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
    month pgbank.month_start NOT NULL,
    sent numeric NOT NULL,
    received numeric NOT NULL,
    sent_days pgbank.month_days NOT NULL,
    received_days pgbank.month_days NOT NULL
)
WITH (fillfactor='80');

ALTER TABLE pgbank.user_monthly_totals OWNER TO postgres;

COMMENT ON TABLE pgbank.user_monthly_totals IS 'Per user and UTC month: effective transactions sent and received, in all and per day (index = day of month); derived, exact';

CREATE TABLE pgbank.users (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    name text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    balance numeric DEFAULT 0.00 NOT NULL,
    held numeric DEFAULT 0.00 NOT NULL,
    lower_limit numeric DEFAULT 0.00,
    version bigint DEFAULT 0 NOT NULL,
    modified_at timestamp with time zone DEFAULT now() NOT NULL,
    totals_day date,
    day_sent numeric DEFAULT 0.00 NOT NULL,
    day_received numeric DEFAULT 0.00 NOT NULL,
    status pgbank.account_status DEFAULT 'open'::text NOT NULL,
    credits_frozen boolean DEFAULT false NOT NULL,
    currency text DEFAULT 'USD'::text NOT NULL COLLATE pg_catalog."C",
    minor_units smallint DEFAULT 2 NOT NULL,
    CONSTRAINT users_held_not_negative CHECK ((held >= (0)::numeric)),
    CONSTRAINT users_lower_limit_finite CHECK (((lower_limit IS NULL) OR ((lower_limit <= (0)::numeric) AND (lower_limit > '-Infinity'::numeric)))),
    CONSTRAINT users_name_check CHECK ((name <> ''::text)),
    CONSTRAINT users_within_lower_limit CHECK (((lower_limit IS NULL) OR ((balance - held) >= lower_limit)))
);

ALTER TABLE ONLY pgbank.users REPLICA IDENTITY FULL;

ALTER TABLE pgbank.users OWNER TO postgres;

COMMENT ON TABLE pgbank.users IS 'Account holders: every user can be sender or receiver';

COMMENT ON COLUMN pgbank.users.balance IS 'Posted balance: received minus sent, effective transactions only (kept by trigger)';

COMMENT ON COLUMN pgbank.users.held IS 'Sum of open holds this account pays (kept by trigger); available = balance - held';

COMMENT ON COLUMN pgbank.users.totals_day IS 'UTC day of day_sent/day_received: effective transactions of that day not (yet) in pgbank.user_monthly_totals (kept by trigger)';

COMMENT ON COLUMN pgbank.users.status IS 'open, frozen or closed; changed only by pgbank.set_account_status (recorded in account_status_changes)';

COMMENT ON COLUMN pgbank.users.credits_frozen IS 'While frozen: credits are refused too (false unless status is frozen)';

COMMENT ON COLUMN pgbank.users.currency IS 'ISO 4217 code (pgbank.currencies), set when the account is opened and never changed; every amount it moves is in it';

COMMENT ON COLUMN pgbank.users.minor_units IS 'Its currency''s minor units, kept here so the locking UPDATE that moves money checks an amount''s decimals without a lookup';

CREATE UNLOGGED TABLE pgbank_private.set_wise_moves (
    xact xid8 NOT NULL
);

ALTER TABLE pgbank_private.set_wise_moves OWNER TO postgres;

COMMENT ON TABLE pgbank_private.set_wise_moves IS 'Transactions in which transfers() sets the rows of its failed items (written success, never applied) to failed; the update trigger stays out';

ALTER TABLE ONLY pgbank.account_status_changes
    ADD CONSTRAINT account_status_changes_pkey PRIMARY KEY (account, id);

ALTER TABLE ONLY pgbank.currencies
    ADD CONSTRAINT currencies_code_minor_units_key UNIQUE (code, minor_units);

ALTER TABLE ONLY pgbank.currencies
    ADD CONSTRAINT currencies_pkey PRIMARY KEY (code);

ALTER TABLE ONLY pgbank.historical_transactions
    ADD CONSTRAINT historical_transactions_pkey PRIMARY KEY (id);

ALTER TABLE ONLY pgbank.history_copy_state
    ADD CONSTRAINT history_copy_state_pkey PRIMARY KEY (only_row);

ALTER TABLE ONLY pgbank.holds
    ADD CONSTRAINT holds_pkey PRIMARY KEY (account, id);

ALTER TABLE ONLY pgbank.initial_data
    ADD CONSTRAINT initial_data_pkey PRIMARY KEY (id);

ALTER TABLE ONLY pgbank.provider_transaction_totals
    ADD CONSTRAINT provider_transaction_totals_pkey PRIMARY KEY (provider_id);

ALTER TABLE ONLY pgbank.requests
    ADD CONSTRAINT requests_pkey PRIMARY KEY (account, request_id);

ALTER TABLE ONLY pgbank.reversals
    ADD CONSTRAINT reversals_pkey PRIMARY KEY (transaction_id);

ALTER TABLE ONLY pgbank.shard_config
    ADD CONSTRAINT shard_config_pkey PRIMARY KEY (only_row);

ALTER TABLE ONLY pgbank.shard_inbox
    ADD CONSTRAINT shard_inbox_pkey PRIMARY KEY (account, request_id);

ALTER TABLE ONLY pgbank.shard_outbox
    ADD CONSTRAINT shard_outbox_account_request_id_key UNIQUE (account, request_id);

ALTER TABLE ONLY pgbank.shard_outbox
    ADD CONSTRAINT shard_outbox_pkey PRIMARY KEY (id);

ALTER TABLE ONLY pgbank.transactions
    ADD CONSTRAINT transactions_pkey PRIMARY KEY (sender, ts, id);

ALTER TABLE ONLY pgbank.user_monthly_totals
    ADD CONSTRAINT user_monthly_totals_pkey PRIMARY KEY (user_id, month);

ALTER TABLE ONLY pgbank.users
    ADD CONSTRAINT users_pkey PRIMARY KEY (id);

ALTER TABLE ONLY pgbank_private.set_wise_moves
    ADD CONSTRAINT set_wise_moves_pkey PRIMARY KEY (xact);

CREATE UNIQUE INDEX currencies_one_default ON pgbank.currencies USING btree ((true)) WHERE is_default;

CREATE UNIQUE INDEX historical_transactions_message_id_key ON pgbank.historical_transactions USING btree (message_id);

CREATE INDEX historical_transactions_provider_id_idx ON pgbank.historical_transactions USING btree (provider_id);

CREATE INDEX history_copy_account_ts_id_idx ON pgbank.history_copy USING btree (account, ts, id);

CREATE INDEX holds_due_idx ON pgbank.holds USING btree (expires_at) WHERE (status = 'held'::text);

CREATE INDEX holds_id_idx ON pgbank.holds USING btree (id);

CREATE INDEX shard_inbox_transaction_idx ON pgbank.shard_inbox USING btree (transaction_id) WHERE (transaction_id IS NOT NULL);

CREATE INDEX shard_outbox_pending_idx ON pgbank.shard_outbox USING btree (id) WHERE (status = 'pending'::text);

CREATE INDEX shard_outbox_return_idx ON pgbank.shard_outbox USING btree (return_transaction_id) WHERE (return_transaction_id IS NOT NULL);

CREATE INDEX shard_outbox_transaction_idx ON pgbank.shard_outbox USING btree (transaction_id);

CREATE INDEX transactions_id_brin ON ONLY pgbank.transactions USING brin (id) WITH (pages_per_range='16');

CREATE INDEX transactions_receiver_ts_idx ON ONLY pgbank.transactions USING btree (receiver, ts);

CREATE INDEX transactions_ts_brin ON ONLY pgbank.transactions USING brin (ts);

CREATE TRIGGER currencies_in_use BEFORE DELETE OR UPDATE OF code, minor_units ON pgbank.currencies FOR EACH ROW EXECUTE FUNCTION pgbank_private.keep_used_currency();

CREATE TRIGGER historical_transactions_append_only BEFORE DELETE OR UPDATE OR TRUNCATE ON pgbank.historical_transactions FOR EACH STATEMENT EXECUTE FUNCTION pgbank_private.provider_history_append_only();

CREATE TRIGGER historical_transactions_totals AFTER INSERT ON pgbank.historical_transactions REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION pgbank_private.provider_totals_add();

CREATE TRIGGER transactions_apply_insert BEFORE INSERT ON pgbank.transactions FOR EACH ROW WHEN (((new.status = 'init'::text) OR ((new.status = ANY (ARRAY['success'::text, 'held'::text])) AND (new.writer_moved IS NOT TRUE)))) EXECUTE FUNCTION pgbank_private.apply_new_transaction();

CREATE TRIGGER transactions_forget_writer_moved BEFORE UPDATE ON pgbank.transactions FOR EACH ROW WHEN ((old.writer_moved AND (new.ts IS DISTINCT FROM old.ts))) EXECUTE FUNCTION pgbank_private.forget_writer_moved();

CREATE TRIGGER transactions_rollup_delete AFTER DELETE ON pgbank.transactions FOR EACH ROW WHEN ((old.status = ANY (ARRAY['success'::text, 'held'::text]))) EXECUTE FUNCTION pgbank_private.apply_changed_transaction();

CREATE TRIGGER transactions_rollup_truncate AFTER TRUNCATE ON pgbank.transactions FOR EACH STATEMENT EXECUTE FUNCTION pgbank_private.apply_changed_transaction();

CREATE TRIGGER transactions_rollup_update AFTER UPDATE ON pgbank.transactions FOR EACH ROW WHEN ((((old.status = ANY (ARRAY['success'::text, 'held'::text])) OR (new.status = ANY (ARRAY['success'::text, 'held'::text]))) AND (NOT pgbank_private.applied_set_wise()))) EXECUTE FUNCTION pgbank_private.apply_changed_transaction();

CREATE TRIGGER users_currency_known BEFORE INSERT ON pgbank.users FOR EACH ROW EXECUTE FUNCTION pgbank_private.check_account_currency();

CREATE TRIGGER users_keep_currency BEFORE UPDATE OF currency, minor_units ON pgbank.users FOR EACH ROW WHEN (((old.currency IS DISTINCT FROM new.currency) OR (old.minor_units IS DISTINCT FROM new.minor_units))) EXECUTE FUNCTION pgbank_private.keep_account_currency();

ALTER TABLE ONLY pgbank.historical_transactions
    ADD CONSTRAINT historical_transactions_provider_id_fkey FOREIGN KEY (provider_id) REFERENCES pgbank.initial_data(id);

ALTER TABLE ONLY pgbank.provider_transaction_totals
    ADD CONSTRAINT provider_transaction_totals_provider_id_fkey FOREIGN KEY (provider_id) REFERENCES pgbank.initial_data(id) ON DELETE CASCADE;

GRANT USAGE ON SCHEMA pgbank TO pgbank_app;

GRANT ALL ON TYPE pgbank.account TO pgbank_app;

GRANT ALL ON TYPE pgbank.history_entry TO pgbank_app;

GRANT ALL ON TYPE pgbank.hold_result TO pgbank_app;

GRANT ALL ON TYPE pgbank.reverse_result TO pgbank_app;

GRANT ALL ON TYPE pgbank.transfer_result TO pgbank_app;

REVOKE ALL ON FUNCTION pgbank.account_status_changes(account uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION pgbank.account_status_changes(account uuid) TO pgbank_app;

REVOKE ALL ON FUNCTION pgbank.balance_at(account uuid, at timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION pgbank.balance_at(account uuid, at timestamp with time zone) TO pgbank_app;

REVOKE ALL ON FUNCTION pgbank.create_account(name text, lower_limit numeric, id uuid, currency text) FROM PUBLIC;
GRANT ALL ON FUNCTION pgbank.create_account(name text, lower_limit numeric, id uuid, currency text) TO pgbank_app;

REVOKE ALL ON FUNCTION pgbank.event_slots() FROM PUBLIC;
GRANT ALL ON FUNCTION pgbank.event_slots() TO pgbank_app;

REVOKE ALL ON FUNCTION pgbank.get_account(id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION pgbank.get_account(id uuid) TO pgbank_app;

REVOKE ALL ON FUNCTION pgbank.history(account uuid, from_ts timestamp with time zone, to_ts timestamp with time zone, direction text, status text, metadata jsonb, after text, page_size integer) FROM PUBLIC;
GRANT ALL ON FUNCTION pgbank.history(account uuid, from_ts timestamp with time zone, to_ts timestamp with time zone, direction text, status text, metadata jsonb, after text, page_size integer) TO pgbank_app;

REVOKE ALL ON FUNCTION pgbank.hold(request_id text, from_account uuid, to_account uuid, amount numeric, expires_in interval, metadata jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION pgbank.hold(request_id text, from_account uuid, to_account uuid, amount numeric, expires_in interval, metadata jsonb) TO pgbank_app;

REVOKE ALL ON FUNCTION pgbank.money_in_transit() FROM PUBLIC;
GRANT ALL ON FUNCTION pgbank.money_in_transit() TO pgbank_app;

REVOKE ALL ON FUNCTION pgbank.post_hold(hold_id uuid, amount numeric) FROM PUBLIC;
GRANT ALL ON FUNCTION pgbank.post_hold(hold_id uuid, amount numeric) TO pgbank_app;

REVOKE ALL ON FUNCTION pgbank.provider_balances() FROM PUBLIC;
GRANT ALL ON FUNCTION pgbank.provider_balances() TO pgbank_app;

REVOKE ALL ON FUNCTION pgbank.provider_bridge_lock(queue_name text, OUT acquired boolean, OUT holder_pid integer, OUT holder_application text, OUT holder_address text, OUT holder_since timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION pgbank.provider_bridge_lock(queue_name text, OUT acquired boolean, OUT holder_pid integer, OUT holder_application text, OUT holder_address text, OUT holder_since timestamp with time zone) TO pgbank_app;

REVOKE ALL ON FUNCTION pgbank.provider_record_transactions(message_ids text[], provider_ids text[], amounts text[]) FROM PUBLIC;
GRANT ALL ON FUNCTION pgbank.provider_record_transactions(message_ids text[], provider_ids text[], amounts text[]) TO pgbank_app;

REVOKE ALL ON FUNCTION pgbank.reverse(request_id text, transaction_id bigint, amount numeric, metadata jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION pgbank.reverse(request_id text, transaction_id bigint, amount numeric, metadata jsonb) TO pgbank_app;

REVOKE ALL ON FUNCTION pgbank.set_account_status(account uuid, status text, reason text, changed_by text, credits_frozen boolean) FROM PUBLIC;
GRANT ALL ON FUNCTION pgbank.set_account_status(account uuid, status text, reason text, changed_by text, credits_frozen boolean) TO pgbank_app;

REVOKE ALL ON FUNCTION pgbank.shard_create_account(name text, lower_limit numeric, id uuid, currency text) FROM PUBLIC;
GRANT ALL ON FUNCTION pgbank.shard_create_account(name text, lower_limit numeric, id uuid, currency text) TO pgbank_app;

REVOKE ALL ON FUNCTION pgbank.shard_finish_hold(action text, hold_id uuid, amount numeric) FROM PUBLIC;
GRANT ALL ON FUNCTION pgbank.shard_finish_hold(action text, hold_id uuid, amount numeric) TO pgbank_app;

REVOKE ALL ON FUNCTION pgbank.shard_history(account uuid, from_ts timestamp with time zone, to_ts timestamp with time zone, direction text, status text, metadata jsonb, after text, page_size integer) FROM PUBLIC;
GRANT ALL ON FUNCTION pgbank.shard_history(account uuid, from_ts timestamp with time zone, to_ts timestamp with time zone, direction text, status text, metadata jsonb, after text, page_size integer) TO pgbank_app;

REVOKE ALL ON FUNCTION pgbank.shard_hold(request_id text, from_account uuid, to_account uuid, amount numeric, expires_in interval, metadata jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION pgbank.shard_hold(request_id text, from_account uuid, to_account uuid, amount numeric, expires_in interval, metadata jsonb) TO pgbank_app;

REVOKE ALL ON FUNCTION pgbank.shard_reverse(request_id text, transaction_id bigint, amount numeric, metadata jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION pgbank.shard_reverse(request_id text, transaction_id bigint, amount numeric, metadata jsonb) TO pgbank_app;

REVOKE ALL ON FUNCTION pgbank.shard_reverse_check(request_id text, transaction_id bigint, amount numeric, metadata jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION pgbank.shard_reverse_check(request_id text, transaction_id bigint, amount numeric, metadata jsonb) TO pgbank_app;

REVOKE ALL ON FUNCTION pgbank.shard_set_account_status(account uuid, status text, reason text, changed_by text, credits_frozen boolean) FROM PUBLIC;
GRANT ALL ON FUNCTION pgbank.shard_set_account_status(account uuid, status text, reason text, changed_by text, credits_frozen boolean) TO pgbank_app;

REVOKE ALL ON FUNCTION pgbank.shard_top_up(request_id text, account uuid, amount numeric, metadata jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION pgbank.shard_top_up(request_id text, account uuid, amount numeric, metadata jsonb) TO pgbank_app;

REVOKE ALL ON FUNCTION pgbank.shard_transfer(request_id text, from_account uuid, to_account uuid, amount numeric, metadata jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION pgbank.shard_transfer(request_id text, from_account uuid, to_account uuid, amount numeric, metadata jsonb) TO pgbank_app;

REVOKE ALL ON FUNCTION pgbank.shard_transfer_batch(request_id text, from_accounts uuid[], to_accounts uuid[], amounts numeric[], metadata jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION pgbank.shard_transfer_batch(request_id text, from_accounts uuid[], to_accounts uuid[], amounts numeric[], metadata jsonb) TO pgbank_app;

REVOKE ALL ON FUNCTION pgbank.shard_transfers(request_ids text[], from_accounts uuid[], to_accounts uuid[], amounts numeric[]) FROM PUBLIC;
GRANT ALL ON FUNCTION pgbank.shard_transfers(request_ids text[], from_accounts uuid[], to_accounts uuid[], amounts numeric[]) TO pgbank_app;

REVOKE ALL ON FUNCTION pgbank.sum_amount(user_id uuid, ts_start timestamp without time zone, ts_end timestamp without time zone, direction text, OUT sum_amount numeric, OUT response_time_seconds double precision) FROM PUBLIC;
GRANT ALL ON FUNCTION pgbank.sum_amount(user_id uuid, ts_start timestamp without time zone, ts_end timestamp without time zone, direction text, OUT sum_amount numeric, OUT response_time_seconds double precision) TO pgbank_app;

REVOKE ALL ON FUNCTION pgbank.top_up(request_id text, account uuid, amount numeric, metadata jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION pgbank.top_up(request_id text, account uuid, amount numeric, metadata jsonb) TO pgbank_app;

REVOKE ALL ON FUNCTION pgbank.transfer(request_id text, from_account uuid, to_account uuid, amount numeric, metadata jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION pgbank.transfer(request_id text, from_account uuid, to_account uuid, amount numeric, metadata jsonb) TO pgbank_app;

REVOKE ALL ON FUNCTION pgbank.transfer_batch(request_id text, from_accounts uuid[], to_accounts uuid[], amounts numeric[], metadata jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION pgbank.transfer_batch(request_id text, from_accounts uuid[], to_accounts uuid[], amounts numeric[], metadata jsonb) TO pgbank_app;

REVOKE ALL ON FUNCTION pgbank.transfers(request_ids text[], from_accounts uuid[], to_accounts uuid[], amounts numeric[]) FROM PUBLIC;
GRANT ALL ON FUNCTION pgbank.transfers(request_ids text[], from_accounts uuid[], to_accounts uuid[], amounts numeric[]) TO pgbank_app;

REVOKE ALL ON FUNCTION pgbank.verify_balances() FROM PUBLIC;
GRANT ALL ON FUNCTION pgbank.verify_balances() TO pgbank_app;

REVOKE ALL ON FUNCTION pgbank.verify_clearing() FROM PUBLIC;
GRANT ALL ON FUNCTION pgbank.verify_clearing() TO pgbank_app;

REVOKE ALL ON FUNCTION pgbank.void_hold(hold_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION pgbank.void_hold(hold_id uuid) TO pgbank_app;

REVOKE ALL ON FUNCTION pgbank_private.add_day_totals(account uuid, on_day date, sent_amount numeric, received_amount numeric) FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.applied_set_wise() FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.apply_changed_transaction() FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.apply_new_transaction() FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.balance_before_day(account uuid, day date) FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.check_account_currency() FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.check_amount(caller text, amount numeric, what text) FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.check_item_arrays(caller text, names text, VARIADIC dims text[]) FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.check_metadata(caller text, metadata jsonb, what text) FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.check_money(caller text, amount numeric, what text) FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.check_not_clearing(caller text, VARIADIC ids uuid[]) FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.check_request_id(caller text, request_id text) FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.clearing_account(peer integer) FROM PUBLIC;

REVOKE ALL ON PROCEDURE pgbank_private.copy_closed_days(IN max_days integer) FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.currency_rule(sender uuid, receiver uuid, amount numeric, checked boolean, OUT why text, OUT currency text, OUT minor_units smallint) FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.default_currency(OUT code text, OUT minor_units smallint) FROM PUBLIC;

REVOKE ALL ON PROCEDURE pgbank_private.expire_holds(IN max_holds integer) FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.failure_reason(sender uuid, receiver uuid, met text) FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.find_transaction(transaction_id bigint) FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.finish_hold(hold_id uuid, action text, amount numeric) FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.forget_writer_moved() FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.history_cursor(ts timestamp with time zone, id bigint) FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.history_from_copy(account uuid, lo_day date, hi_day date, balance numeric, c_ts timestamp with time zone, c_id bigint, from_ts timestamp with time zone, to_ts timestamp with time zone, direction text, status text, metadata jsonb, n integer) FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.history_position(cursor text, OUT ts timestamp with time zone, OUT id bigint) FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.insert_history(n integer, lo timestamp with time zone, hi timestamp with time zone) FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.is_clearing(id uuid) FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.keep_account_currency() FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.keep_history_copy() FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.keep_used_currency() FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.ledger_sides(sender uuid, receiver uuid) FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.lock_accounts(a uuid, b uuid) FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.max_amount() FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.max_balance() FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.move_account(account uuid, sent numeric, received numeric, ts timestamp with time zone, checked boolean) FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.move_money(sender uuid, receiver uuid, ts timestamp with time zone, amount numeric) FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.open_accounts(amount numeric, at timestamp with time zone) FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.partition_for_day(day date) FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.place_hold(request_id text, from_account uuid, to_account uuid, amount numeric, expires_in interval, metadata jsonb) FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.provider_history_append_only() FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.provider_seed_example(OUT providers_added integer, OUT transactions_added integer) FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.provider_totals_add() FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.provider_totals_verify() FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.remote_shard(id uuid) FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.replay_one(kind text, account uuid, request_id text, to_account uuid, amount numeric, expires_in interval) FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.replay_request(req pgbank.requests, kind text, to_accounts uuid[], amounts numeric[], expires_in interval, from_accounts uuid[]) FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.request_outcome(req pgbank.requests, replayed boolean) FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.run_maintenance() FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.send_to_shard(request_id text, from_account uuid, to_account uuid, amount numeric, peer integer, metadata jsonb) FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.set_default_currency(code text) FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.shard_configure(shard_no integer, shard_count integer) FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.shard_outbox_pending(max_rows integer) FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.shard_receive(from_shard integer, accounts uuid[], request_ids text[], to_accounts uuid[], amounts numeric[], metadatas jsonb[]) FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.shard_request_outcome(req pgbank.requests) FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.shard_settle(ids bigint[], outcomes text[], reasons text[], credit_ids bigint[]) FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.shown(value text) FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.stored_request(account uuid, request_id text) FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.sum_partial_days(user_id uuid, direction text, first_start timestamp with time zone, first_end timestamp with time zone, second_start timestamp with time zone, second_end timestamp with time zone) FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.sum_window(user_id uuid, ts_start timestamp without time zone, ts_end timestamp without time zone, direction text) FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.take_back(account uuid, sent numeric, received numeric, ts timestamp with time zone) FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.verify_history_copy() FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.verify_monthly_totals() FROM PUBLIC;

REVOKE ALL ON FUNCTION pgbank_private.world() FROM PUBLIC;

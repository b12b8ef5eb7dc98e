-- Many independent transfers in one call: each item has its own request_id, idempotency and outcome, as if made by transfer().
CREATE OR REPLACE FUNCTION pgbank.transfers(request_ids text[], from_accounts uuid[], to_accounts uuid[], amounts numeric[])
RETURNS SETOF pgbank.transfer_result
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pgbank, pg_temp
-- The plans its accounts UPDATEs may take lock the rows in id order (a nested loop over the call's
-- id-ordered accounts, or a merge join over the key's index): no hash join, no scan in physical
-- order. That holds while users has one index, its key's: another could lead a plan in its order.
SET enable_hashjoin = off
SET enable_seqscan = off
SET enable_bitmapscan = off
AS $$
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
$$;
COMMENT ON FUNCTION pgbank.transfers(text[], uuid[], uuid[], numeric[]) IS
  'Up to 1,000 independent transfers in one call, each idempotent per (from_account, request_id) like transfer(); one result row per item, in order';
REVOKE ALL ON FUNCTION pgbank.transfers(text[], uuid[], uuid[], numeric[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.transfers(text[], uuid[], uuid[], numeric[]) TO pgbank_app;

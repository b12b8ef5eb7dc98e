-- Many transfers in one call, all or nothing: every account locked in the global order, every item checked, then all written.
CREATE OR REPLACE FUNCTION pgbank.transfer_batch(request_id text, from_accounts uuid[], to_accounts uuid[], amounts numeric[])
RETURNS SETOF pgbank.transfer_result
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pgbank, pg_temp
AS $$
DECLARE
  n        int;
  owner    uuid;
  acct     users;
  account_id uuid;
  replayed boolean := false;
  avail    jsonb := '{}'::jsonb;   -- account id -> how far it may still go down (available - lower limit), as the batch goes
  blocks   jsonb := '{}'::jsonb;   -- account id -> {"debit": account_frozen/closed, "credit": ...} where it refuses one
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
    PERFORM pgbank_private.check_amount('transfer_batch', amounts[i], format('amounts[%s]', i));
  END LOOP;
  amounts := ARRAY(SELECT round(a, 2) FROM unnest(amounts) AS a);  -- exactly 2 decimals, whatever scale was sent
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
      IF acct.status <> 'open' THEN
        blocks := blocks || jsonb_build_object(acct.id, jsonb_strip_nulls(jsonb_build_object(
          'debit', 'account_' || acct.status,
          'credit', CASE WHEN acct.status = 'closed' OR acct.credits_frozen THEN 'account_' || acct.status END)));
      END IF;
    END IF;
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
      INSERT INTO transactions (ts, sender, receiver, amount, status, reason)
      SELECT tx_ts, f, t, a, CASE WHEN reason IS NULL THEN 'success' ELSE 'failed' END, reason
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
COMMENT ON FUNCTION pgbank.transfer_batch(text, uuid[], uuid[], numeric[]) IS
  'Transfer many amounts at once, all or nothing, idempotent per (from_accounts[1], request_id); one result row per item';
REVOKE ALL ON FUNCTION pgbank.transfer_batch(text, uuid[], uuid[], numeric[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.transfer_batch(text, uuid[], uuid[], numeric[]) TO pgbank_app;

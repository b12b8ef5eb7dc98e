-- Ends a hold exactly once: post (all or part of it), void, or expire; a post or void after its deadline expires it.
CREATE OR REPLACE FUNCTION pgbank_private.finish_hold(hold_id uuid, action text, amount numeric DEFAULT NULL)
RETURNS pgbank.hold_result
LANGUAGE plpgsql
SET search_path = pgbank, pg_temp
-- The UPDATE below names the row's day: a custom plan touches one partition, a generic one all.
SET plan_cache_mode = force_custom_plan
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
COMMENT ON FUNCTION pgbank_private.finish_hold(uuid, text, numeric) IS
  'Helper: posts, voids or expires a hold exactly once, in the same lock order as transfers';

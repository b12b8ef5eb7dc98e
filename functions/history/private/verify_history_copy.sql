-- Lists every row where history()'s copy of the closed days differs from the ledger ('missing' or 'extra'); empty when all is well.
CREATE OR REPLACE FUNCTION pgbank_private.verify_history_copy()
RETURNS TABLE (problem text, account uuid, ts timestamptz, id bigint, sent boolean)
LANGUAGE sql
STABLE
SET search_path = pgbank, pg_temp
SET jit = off  -- ~1,460 partitions, never analyzed in a new database: JIT would take ~30 s to compile the plan
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
COMMENT ON FUNCTION pgbank_private.verify_history_copy() IS
  'Lists the rows where pgbank.history_copy differs from the ledger''s copied days (missing or extra); empty when they agree';

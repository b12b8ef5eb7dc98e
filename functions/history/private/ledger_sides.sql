-- The sides of a ledger row an account history shows: the sender's (sent) and the receiver's, never the world's, once for a row to itself.
CREATE OR REPLACE FUNCTION pgbank_private.ledger_sides(sender uuid, receiver uuid)
RETURNS TABLE (account uuid, sent boolean, counterparty uuid)
LANGUAGE sql
IMMUTABLE PARALLEL SAFE
-- No SET clause and one SELECT: the planner inlines it into the calling query.
AS $$
  SELECT s.account, s.sent, s.counterparty
    FROM (VALUES (sender, true, receiver), (receiver, false, sender)) AS s (account, sent, counterparty)
   WHERE s.account <> pgbank_private.world() AND (s.sent OR receiver <> sender)
$$;
COMMENT ON FUNCTION pgbank_private.ledger_sides(uuid, uuid) IS
  'Helper: the (account, sent, counterparty) sides of a ledger row kept in pgbank.history_copy: not the world''s, one for a row to itself';

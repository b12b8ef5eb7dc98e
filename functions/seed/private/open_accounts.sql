-- Seeding: gives every account without one an opening top-up from the world at the start of history.
CREATE OR REPLACE FUNCTION pgbank_private.open_accounts(amount numeric, at timestamptz DEFAULT '2023-01-01 00:00:00+00')
RETURNS int
LANGUAGE plpgsql
SET search_path = pgbank, pg_temp
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
COMMENT ON FUNCTION pgbank_private.open_accounts(numeric, timestamptz) IS
  'Seeding: an opening top-up of amount for every account that has none, so seeded history never overdraws';

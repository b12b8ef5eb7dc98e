-- Trigger: adds each statement's new historical_transactions to pgbank.provider_transaction_totals.
CREATE OR REPLACE FUNCTION pgbank_private.provider_totals_add()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pgbank, pg_temp
AS $$
-- The SQL lint (plpgsql_check) learns the transition table's name from this line:
-- @plpgsql_check_options: newtable = inserted
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
COMMENT ON FUNCTION pgbank_private.provider_totals_add() IS
  'Statement trigger on pgbank.historical_transactions: adds the inserted rows to pgbank.provider_transaction_totals';

CREATE OR REPLACE TRIGGER historical_transactions_totals
  AFTER INSERT ON pgbank.historical_transactions
  REFERENCING NEW TABLE AS inserted
  FOR EACH STATEMENT EXECUTE FUNCTION pgbank_private.provider_totals_add();

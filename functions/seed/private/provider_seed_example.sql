-- Adds the seed's example providers (1 Visa 1000, 2 Mastercard 2000) and their three historical transactions when missing; a demo helper for the producer script and the tests, not granted to the application.
CREATE OR REPLACE FUNCTION pgbank_private.provider_seed_example(OUT providers_added int, OUT transactions_added int)
LANGUAGE plpgsql
VOLATILE
SET search_path = pgbank, pg_temp
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
COMMENT ON FUNCTION pgbank_private.provider_seed_example() IS
  'Adds the seed''s example providers (1 Visa 1000, 2 Mastercard 2000) if missing, and their history (100, 200, -200) if the history is empty';
REVOKE ALL ON FUNCTION pgbank_private.provider_seed_example() FROM PUBLIC;

-- provider_seed_example() writes demo rows: a helper for the producer script and demos, not part
-- of the application's API. It moves to pgbank_private (functions/seed/private/provider_seed_example.sql),
-- out of pgbank_app's reach.

-- Up Migration
DROP FUNCTION IF EXISTS pgbank.provider_seed_example();

-- Down Migration
DO $$
BEGIN
  IF to_regprocedure('pgbank_private.provider_seed_example()') IS NOT NULL THEN
    ALTER FUNCTION pgbank_private.provider_seed_example() SET SCHEMA pgbank;
    GRANT EXECUTE ON FUNCTION pgbank.provider_seed_example() TO pgbank_app;
  END IF;
END
$$;

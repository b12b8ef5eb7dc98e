-- The router database (npm run shards): PL/Proxy, the schemas, the application role and the
-- result types of the single-node API. Applied before router/private/*.sql and router/pgbank/*.sql,
-- every statement repeatable. Single-node databases never get any of this (it is not in functions/).
CREATE EXTENSION IF NOT EXISTS plproxy;
CREATE SCHEMA IF NOT EXISTS pgbank;
COMMENT ON SCHEMA pgbank IS 'pgbank router: the single-node API, each function run on the shard that owns its account (PL/Proxy)';
CREATE SCHEMA IF NOT EXISTS pgbank_router;
COMMENT ON SCHEMA pgbank_router IS 'pgbank router helpers: routing, PL/Proxy calls behind the API, cluster configuration; never granted';

DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pgbank_app') THEN
    CREATE ROLE pgbank_app LOGIN;
  END IF;
  -- The single node's result types, column for column (PL/Proxy matches columns by name).
  IF to_regtype('pgbank.account') IS NULL THEN
    CREATE TYPE pgbank.account AS (
      id uuid, name text, balance numeric, available numeric, held numeric, lower_limit numeric,
      version bigint, created_at timestamptz, modified_at timestamptz, status text, credits_frozen boolean,
      currency text, minor_units smallint);
  ELSE  -- a router made before them
    IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'pgbank.account'::regclass AND attname = 'status') THEN
      ALTER TYPE pgbank.account ADD ATTRIBUTE status text, ADD ATTRIBUTE credits_frozen boolean;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'pgbank.account'::regclass AND attname = 'currency') THEN
      ALTER TYPE pgbank.account ADD ATTRIBUTE currency text, ADD ATTRIBUTE minor_units smallint;
    END IF;
  END IF;
  IF to_regtype('pgbank.transfer_result') IS NULL THEN
    CREATE TYPE pgbank.transfer_result AS (
      request_id text, status text, reason text, transaction_id bigint, ts timestamptz,
      from_account uuid, to_account uuid, amount numeric, replayed boolean);
  END IF;
  IF to_regtype('pgbank.hold_result') IS NULL THEN
    CREATE TYPE pgbank.hold_result AS (
      hold_id uuid, status text, reason text, request_id text, transaction_id bigint, ts timestamptz,
      from_account uuid, to_account uuid, amount numeric, posted_amount numeric, expires_at timestamptz,
      replayed boolean);
  END IF;
  IF to_regtype('pgbank.reverse_result') IS NULL THEN
    CREATE TYPE pgbank.reverse_result AS (
      request_id text, status text, reason text, transaction_id bigint, ts timestamptz,
      from_account uuid, to_account uuid, amount numeric, reverses bigint, replayed boolean);
  END IF;
  IF to_regtype('pgbank.history_entry') IS NULL THEN
    CREATE TYPE pgbank.history_entry AS (
      transaction_id bigint, ts timestamptz, direction text, counterparty uuid, amount numeric,
      status text, reason text, balance_after numeric, metadata jsonb, reverses bigint,
      reversed_by bigint[], cursor text);
  END IF;
END
$$;
GRANT USAGE ON SCHEMA pgbank TO pgbank_app;
GRANT USAGE ON TYPE pgbank.account, pgbank.transfer_result, pgbank.hold_result, pgbank.reverse_result, pgbank.history_entry TO pgbank_app;
ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;

-- Schemas, the application role and the extensions pgbank builds on.
-- pgbank          tables and the API functions callers use
-- pgbank_private  helpers (trigger functions, maintenance): never granted to anyone
-- partman         pg_partman 4.x, which keeps the daily partitions of pgbank.transactions

-- Up Migration
CREATE SCHEMA pgbank;
COMMENT ON SCHEMA pgbank IS 'pgbank: tables and the API functions callers use';
CREATE SCHEMA pgbank_private;
COMMENT ON SCHEMA pgbank_private IS 'pgbank helpers: trigger functions and maintenance, never granted';

-- Roles are cluster-wide, so several pgbank databases share one application role.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pgbank_app') THEN
    CREATE ROLE pgbank_app LOGIN;
  END IF;
END
$$;
COMMENT ON ROLE pgbank_app IS 'pgbank application role: may only EXECUTE the pgbank API functions';
GRANT USAGE ON SCHEMA pgbank TO pgbank_app;

-- Functions this role creates here are not executable by PUBLIC; each API function grants itself
-- to pgbank_app. (A per-schema default can only add privileges, so this one is database-wide.)
ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;

CREATE SCHEMA partman;
CREATE EXTENSION pg_partman SCHEMA partman;

-- Down Migration
DROP EXTENSION pg_partman;
DROP SCHEMA partman CASCADE;
ALTER DEFAULT PRIVILEGES GRANT EXECUTE ON FUNCTIONS TO PUBLIC;
DROP SCHEMA pgbank_private CASCADE;
DROP SCHEMA pgbank CASCADE;
DROP OWNED BY pgbank_app;
-- Other pgbank databases of this cluster may still grant to the role: then it stays.
DO $$
BEGIN
  DROP ROLE pgbank_app;
EXCEPTION WHEN dependent_objects_still_exist THEN
  RAISE NOTICE 'role pgbank_app kept: other databases still use it';
END
$$;

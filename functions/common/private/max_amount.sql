-- The bounds of money: one movement at most max_amount(), a balance at most max_balance().
CREATE OR REPLACE FUNCTION pgbank_private.max_amount()
RETURNS numeric
LANGUAGE sql
IMMUTABLE PARALLEL SAFE
AS $$ SELECT 999999999999999.99::numeric $$;
COMMENT ON FUNCTION pgbank_private.max_amount() IS 'Helper: the largest amount one movement (or a lower limit below 0) may have';

CREATE OR REPLACE FUNCTION pgbank_private.max_balance()
RETURNS numeric
LANGUAGE sql
IMMUTABLE PARALLEL SAFE
AS $$ SELECT 999999999999999999.99::numeric $$;
COMMENT ON FUNCTION pgbank_private.max_balance() IS 'Helper: the largest balance an account may reach (its column holds up to 10^20)';

-- Down Migration
-- The functions without metadata come back from down/ (as they were before); the metadata stays in the rows.
DROP FUNCTION pgbank.transfer(text, uuid, uuid, numeric, jsonb);
DROP FUNCTION pgbank.top_up(text, uuid, numeric, jsonb);
DROP FUNCTION pgbank.hold(text, uuid, uuid, numeric, interval, jsonb);
DROP FUNCTION pgbank_private.place_hold(text, uuid, uuid, numeric, interval, jsonb);

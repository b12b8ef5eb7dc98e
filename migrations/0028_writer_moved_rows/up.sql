-- Up Migration
-- NULL (no default): adding it writes the catalog only, no partition is rewritten.
ALTER TABLE pgbank.transactions ADD COLUMN writer_moved boolean;
COMMENT ON COLUMN pgbank.transactions.writer_moved IS
  'true: the row''s writer moved the balances itself (transfer(), transfers()), so the insert trigger stayed out; NULL otherwise';

-- Up Migration
-- NULL (no default): adding it writes the catalog only, no partition is rewritten.
ALTER TABLE pgbank.transactions ADD COLUMN writer_moved boolean;
COMMENT ON COLUMN pgbank.transactions.writer_moved IS
  'true: the row''s writer moved the balances itself (transfer(), transfers()), so the insert trigger stayed out; NULL otherwise';
-- transfers() marks its rows writer_moved; set_wise_moves now only wraps its UPDATE of failed rows.
COMMENT ON TABLE pgbank_private.set_wise_moves IS
  'Transactions in which transfers() sets the rows of its failed items (written success, never applied) to failed; the update trigger stays out';

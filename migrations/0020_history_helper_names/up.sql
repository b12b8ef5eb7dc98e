-- pgbank_private.sum_window's parameters v_user and v_dir are now user_id and direction, as in
-- pgbank.sum_amount; edge_sum is now sum_partial_days. CREATE OR REPLACE cannot rename a
-- parameter, so the old sum_window goes here and the functions step (right after the migrations)
-- makes the new one; it drops edge_sum, which no file defines any more, by itself.

-- Up Migration
DROP FUNCTION IF EXISTS pgbank_private.sum_window(uuid, timestamp, timestamp, text);

-- The activity log is read per portfolio and account (an account keeps the entries of a portfolio it
-- left, which only that portfolio reads). The index by account alone made the read of an account that
-- moved filter out its old entries one by one: its new portfolio's last page read the whole old
-- history. The new index finds the portfolio's entries alone, newest first; the old one has no other
-- reader.
--
-- Built without CONCURRENTLY, as the migrations before it: the audit-consumer's inserts wait while it is
-- built (each entry is a small row, so about a second per million entries); reads wait only for the
-- drop of the old index at the end, until the migration commits.
CREATE INDEX activity_log_by_portfolio_account
    ON activity_log (account_id, portfolio_id, occurred_at DESC, entry_id DESC);
DROP INDEX activity_log_by_account;

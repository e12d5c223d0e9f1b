-- An administration log entry takes the time it is written, not its transaction's start: entries one
-- transaction writes (an Owner transfer withdrawn, then the portfolio closed) are listed in that order,
-- not in the order of their random ids.
ALTER TABLE portfolio_admin_log ALTER COLUMN occurred_at SET DEFAULT clock_timestamp();

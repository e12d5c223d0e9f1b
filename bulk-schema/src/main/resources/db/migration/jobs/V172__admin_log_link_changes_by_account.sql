-- The link changes of one account in a portfolio's administration log, newest first: the gateway reads
-- the latest before it writes another (a link and its repeat at once are logged once), and whether the
-- portfolio ever had the account (it reads the activity log of an account it unlinked).
CREATE INDEX portfolio_admin_log_link_changes ON portfolio_admin_log (portfolio_id, subject, occurred_at DESC, id DESC)
    WHERE action IN ('ACCOUNT_LINKED', 'ACCOUNT_UNLINKED');

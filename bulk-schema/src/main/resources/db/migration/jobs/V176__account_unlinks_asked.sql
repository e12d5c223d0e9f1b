-- The unlinks the Owner asked for of accounts then linked to the portfolio, whose administration log
-- entry is not written yet. The gateway records one in a transaction of its own before it asks the
-- bulk-worker to unlink, and removes it in the transaction that writes the unlink's entry. The worker
-- commits the unlink before the gateway writes the entry, so when writing it fails (or the worker's
-- answer does not come in time) the unlink may be made with no entry of it; an account linked when the
-- portfolio was set up has no link entry either, so without this row nothing would say that the
-- portfolio ever had it. The repeated request (404 not linked) finds the row and writes the missing
-- entry; until then the row lets the portfolio read the account's activity log. Owner: api-gateway;
-- the worker is not given it (it is not named in afterMigrate__worker_grants.sql).
CREATE TABLE account_unlinks_asked (
    portfolio_id uuid        NOT NULL,
    account_id   uuid        NOT NULL,
    asked_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (portfolio_id, account_id)
);

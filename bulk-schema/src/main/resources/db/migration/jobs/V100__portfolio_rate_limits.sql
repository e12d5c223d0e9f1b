-- The gateways' per-portfolio rate limits, shared by every gateway instance: one row per portfolio and
-- limited kind of request ('submissions', 'previews', 'scim') holding the current fixed window, when it
-- ends and how many requests it has seen. One INSERT ... ON CONFLICT DO UPDATE per request takes a
-- permit under the row's lock, so concurrent gateways count exactly.
--
-- UNLOGGED: no write-ahead log and no fsync per request. After a crash of PostgreSQL the table comes
-- back empty, which only gives every portfolio a fresh window. Fill factor 50 keeps each row's updates
-- on its page (HOT updates: no index write, quick cleanup).
CREATE UNLOGGED TABLE portfolio_rate_limits (
    portfolio_id UUID NOT NULL,
    kind TEXT NOT NULL,
    window_ends_at TIMESTAMPTZ NOT NULL,
    requests BIGINT NOT NULL,
    PRIMARY KEY (portfolio_id, kind)
) WITH (fillfactor = 50);

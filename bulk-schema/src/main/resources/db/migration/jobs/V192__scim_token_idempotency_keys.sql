-- The Idempotency-Key a SCIM token was created with (POST .../scim-tokens), stored with the token in the
-- insert that creates it, at most once per portfolio. Owner: api-gateway.
--
-- Why. The key was ignored: a creation sent again after its 201 was lost (a client timeout) made a
-- second live token whose secret nobody saw. Now a retry with the key finds the token it created and
-- creates none (ScimTokens.create: INSERT ... ON CONFLICT on the index below, which makes a concurrent
-- creation with the same key wait for the first and then find its token). A token's secret is stored
-- only as its digest, so the retry is answered 409 naming the token rather than with the secret again.
--
-- The key stays bound to its token for as long as the row exists, revoked or not (rows are not
-- deleted): a key is never reused for another token. Tokens created without a key, and every token
-- before this migration, have none (NULL), which the index leaves out.
--
-- The worker has no grant on scim_tokens (jobs/afterMigrate__worker_grants.sql), and this changes
-- none. Adding a nullable column is a change of metadata only; the index reads the table once, one row
-- per token ever created, while SCIM authentication and token changes wait (milliseconds). Gateways of
-- the version before this one go on creating tokens without a key, as before.
ALTER TABLE scim_tokens ADD COLUMN idempotency_key text CHECK (length(idempotency_key) BETWEEN 1 AND 255);
CREATE UNIQUE INDEX scim_tokens_by_idempotency_key ON scim_tokens (portfolio_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;

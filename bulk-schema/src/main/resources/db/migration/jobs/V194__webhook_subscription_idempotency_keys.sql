-- The Idempotency-Key a webhook subscription was created with (POST .../webhooks), stored with the
-- subscription in the insert that creates it, at most once per portfolio. Owner: api-gateway.
--
-- Why. The key was ignored: a creation sent again after its 201 was lost (a client timeout) was
-- answered 409 "already receives ... through subscription <id>", and the client had lost the signing
-- secret the first answer showed once. Now a retry with the key finds the subscription it created
-- (WebhookSubscriptions.create, under the portfolio's lock that every creation takes, so a concurrent
-- creation with the same key waits for the first and then finds it; the index below makes sure).
-- Unlike a SCIM token's, a subscription's secret is kept encrypted to sign with, so the retry is
-- answered as the first request was, with the secret, as long as it is still the one the creation
-- stored: created_secret_sha256 is the SHA-256 of that secret_ciphertext, and a rotation (by any
-- gateway version, which rewrites secret_ciphertext) makes them differ, after which the retry is
-- answered 409 instead.
--
-- The key stays bound to its subscription for as long as the row exists; a deleted subscription's row
-- is gone, and its key with it, so the key may create a new one. Subscriptions created without a key,
-- and every one before this migration, have none (NULL), which the index leaves out.
--
-- The worker has no grant on webhook_subscriptions (jobs/afterMigrate__worker_grants.sql), and this
-- changes none. Adding nullable columns is a change of metadata only; the check and the index read the
-- table once (at most bulk.gateway.webhooks.max-subscriptions-per-portfolio rows per portfolio) while
-- the gateways' fan-out, deliveries and subscription changes wait (milliseconds). Gateways of the
-- version before this one go on creating subscriptions without a key, as before.
ALTER TABLE webhook_subscriptions
    ADD COLUMN idempotency_key text CHECK (length(idempotency_key) BETWEEN 1 AND 255),
    ADD COLUMN created_secret_sha256 text,
    ADD CONSTRAINT webhook_subscriptions_key_with_its_secret
        CHECK ((idempotency_key IS NULL) = (created_secret_sha256 IS NULL));
CREATE UNIQUE INDEX webhook_subscriptions_by_idempotency_key ON webhook_subscriptions (portfolio_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;

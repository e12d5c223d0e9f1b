-- Every signing secret a rotation replaced while it still signs beside the current one. A second
-- rotation within the overlap (an answer lost to a timeout and the rotation sent again, a double click)
-- keeps the first secret signing too, so a receiver that still holds it refuses nothing; the gateway
-- keeps the newest few (see WebhookSubscriptions). A rotation that ends the previous secrets at once
-- (a leaked one) deletes them all.
CREATE TABLE webhook_previous_secrets (
    id                bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subscription_id   uuid        NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
    secret_ciphertext text        NOT NULL,
    signs_until       timestamptz NOT NULL
);
CREATE INDEX webhook_previous_secrets_by_subscription ON webhook_previous_secrets (subscription_id, id);

INSERT INTO webhook_previous_secrets (subscription_id, secret_ciphertext, signs_until)
SELECT id, previous_secret_ciphertext, previous_secret_until
  FROM webhook_subscriptions
 WHERE previous_secret_ciphertext IS NOT NULL AND previous_secret_until > now();

-- The columns that held the one previous secret stay in step with the newest previous secret (each
-- rotation writes both), so that a gateway of the version before, running beside this one during an
-- upgrade, signs as before; and this version reads them too, for a rotation such a gateway made. A later
-- version drops them.

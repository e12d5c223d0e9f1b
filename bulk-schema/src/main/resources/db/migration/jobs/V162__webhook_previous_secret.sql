-- The signing secret a rotation replaced, and until when it still signs: every message then carries
-- a signature by each (webhook-signature holds both), so a receiver can switch to the new secret
-- without refusing a message meanwhile. A rotation that ends the previous secret at once (a leaked
-- one) leaves these null.

-- Metadata-only change: existing rows read null.
ALTER TABLE webhook_subscriptions
    ADD COLUMN previous_secret_ciphertext text,
    ADD COLUMN previous_secret_until      timestamptz;

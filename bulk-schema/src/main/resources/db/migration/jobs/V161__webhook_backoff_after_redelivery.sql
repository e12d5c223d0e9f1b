-- How many attempts the message had when it was last redelivered on request. The back-off between
-- retries counts the attempts since then only, so a redelivered message that fails is tried again
-- after the first interval (10 s), not after the longest one it had reached before.

-- Metadata-only change: existing rows read 0.
ALTER TABLE webhook_deliveries ADD COLUMN attempts_before_redelivery integer NOT NULL DEFAULT 0;

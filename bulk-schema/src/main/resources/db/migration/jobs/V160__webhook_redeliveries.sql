-- How many times the message was redelivered on request. An attempt that was in flight when a
-- redelivery was asked for stores its outcome in the history, but leaves the message pending and due,
-- so the redelivery is not undone by an attempt that started before it.

-- Metadata-only change: existing rows read 0.
ALTER TABLE webhook_deliveries ADD COLUMN redeliveries integer NOT NULL DEFAULT 0;

-- A subscription is disabled when its deliveries have failed without a break for the disable period.
-- failing_since alone made one failed message a week ago count as the start of such a streak, so a
-- single failed attempt a week later disabled the subscription. The last failure's time lets a
-- streak end when no attempt failed for longer than the retries' longest wait. A streak that
-- started before this column existed starts again at its next failure.
ALTER TABLE jobs.webhook_subscriptions ADD COLUMN last_failed_at timestamptz;

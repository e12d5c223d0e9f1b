-- webhook_deliveries_due_by_subscription holds the pending webhook messages by subscription, then by
-- when they are due, for the dispatcher's claim (api-gateway's Deliveries.claimDue): it finds the
-- subscriptions with pending messages one step each along the index, and reads of each active one its
-- first due messages, at most max-concurrent-per-subscription (4), before ranking them by subscription
-- and by portfolio. webhook_deliveries_pending_by_give_up holds the pending messages by the end of
-- their retry period, for the dispatcher's failing of the messages whose period has passed
-- (Deliveries.failExpired) and the backlog gauge. The two replace webhook_deliveries_due (pending
-- messages by when they are due), which served all three.
--
-- Why. The claim ranked every due message of every active subscription (two row_number() windows over
-- all of them) and only then kept each subscription's first four and each portfolio's first sixteen.
-- Receivers that answer slowly but succeed are never disabled, and their portfolio's messages pile up
-- due, up to about 1.7 million within the retry period (24 hours); every pass of every gateway's
-- dispatcher, the one thread that also fans events out and sends everyone's messages, then read and
-- sorted all of them. On a copy with 1,500,000 ended messages, 480,000 due of one portfolio's 16
-- subscriptions and 2 of another's (PostgreSQL 17, a loaded two-core machine): 480,002 messages read
-- and sorted on disk (31 MB), 0.9 s a claim; now 66 messages, 2 to 3 ms. The failing of expired
-- messages, once a poll interval on that thread, read every pending message to find the few past their
-- period (213 ms on that copy); it now reads those only. The gauge reads the pending messages as before.
--
-- webhook_deliveries_due goes: left in place, PostgreSQL took it for a subscription's due messages,
-- reading the whole backlog in due order and passing over the other subscriptions' messages (a
-- subscription's messages look like an even share of the backlog to it, so it expects its first four
-- early): 28,000 messages a subscription, 0.4 s a claim, on a copy with 16 subscriptions behind. The
-- claim of the gateways of the version before reads every due message either way, through the new
-- index by the end of the retry period (0.9 s on that copy, as before).
--
-- Built without CONCURRENTLY, as the indexes before them (Flyway runs each migration in a transaction,
-- which CONCURRENTLY cannot run in): the dispatchers' writes to messages (fan-out, attempts, claims,
-- redeliveries) wait while they are built (the table is read twice, its pending messages entered), and
-- reads of them wait only for the drop at the end. A message enters both when it is created and
-- leaves them when it ends; a retried attempt, which moves its due time, writes an entry in each where
-- it wrote one in the index they replace (a claim, which sets only the lease, writes none).
CREATE INDEX webhook_deliveries_due_by_subscription ON webhook_deliveries (subscription_id, next_attempt_at, id)
    WHERE status = 'PENDING';
CREATE INDEX webhook_deliveries_pending_by_give_up ON webhook_deliveries (give_up_at) WHERE status = 'PENDING';
DROP INDEX webhook_deliveries_due;

package com.portfoliobulk.gateway.webhooks;

import static com.portfoliobulk.gateway.webhooks.Subscriptions.instant;
import static com.portfoliobulk.servicesupport.jdbc.PostgresArrays.ints;
import static com.portfoliobulk.servicesupport.jdbc.PostgresArrays.longs;
import static com.portfoliobulk.servicesupport.jdbc.PostgresArrays.texts;
import static com.portfoliobulk.servicesupport.jdbc.PostgresArrays.uuids;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The SQL of the webhook outbox: {@code webhook_events} (written by the trigger that sees a job end),
 * {@code webhook_deliveries} (one message per event and subscription) and {@code webhook_attempts}.
 */
@Repository
class Deliveries {

    private static final String DELIVERY_COLUMNS = """
            id, event_type, job_id, status, attempts, last_response_code, last_duration_ms, last_error,
            next_attempt_at, created_at, delivered_at
            """;

    /** The most events, or messages, one statement of {@link #removeOld} deletes. */
    static final int REMOVAL_BATCH = 10_000;

    /** Why a message failed that was not sent again before its retry period ended. */
    static final String EXPIRED = "Not delivered within the retry period: no attempt was made before it ended"
            + " (the subscription disabled, or no gateway able to send it)";

    private final JdbcClient jdbc;

    Deliveries(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** The oldest events not fanned out yet, locked (others skip them) until the transaction ends. */
    List<Event> lockUnfannedEvents(int limit) {
        return jdbc.sql("""
                        SELECT id, job_id, portfolio_id, type, occurred_at FROM jobs.webhook_events
                        WHERE fanned_out_at IS NULL ORDER BY seq LIMIT :limit FOR UPDATE SKIP LOCKED
                        """)
                .param("limit", limit)
                .query((row, n) -> new Event(
                        row.getObject("id", UUID.class),
                        row.getObject("job_id", UUID.class),
                        row.getObject("portfolio_id", UUID.class),
                        EventType.ofStored(row.getString("type")),
                        instant(row, "occurred_at")))
                .list();
    }

    /**
     * The active subscriptions of these portfolios, with the events they receive, each held ({@code FOR
     * KEY SHARE}) until the transaction ends: their messages are inserted next, and a subscription
     * deleted in between would fail that insert (its foreign key), and with it the fan-out of every
     * portfolio's events. A deletion waits instead, and takes the new messages with it. Only a deletion
     * (and a secret's rotation, {@code FOR UPDATE}) waits: enabling, disabling and recording attempts
     * change no key. The two cannot deadlock: a deletion locks the subscription first, then its messages
     * and progress rows, none of which the fan-out holds before it has the subscription.
     */
    List<Target> activeSubscriptions(Collection<UUID> portfolioIds) {
        return jdbc.sql("""
                        SELECT id, portfolio_id, event_types FROM jobs.webhook_subscriptions
                        WHERE portfolio_id = ANY(:portfolios) AND status = 'ACTIVE'
                        FOR KEY SHARE
                        """)
                .param("portfolios", uuids(portfolioIds))
                .query((row, n) -> new Target(
                        row.getObject("id", UUID.class), row.getObject("portfolio_id", UUID.class), List.of((String[])
                                row.getArray("event_types").getArray())))
                .list();
    }

    /**
     * The database's time of the current transaction ({@code now()}): the time the messages it inserts
     * are created at.
     */
    Instant transactionTime() {
        return jdbc.sql("SELECT now()").query((row, n) -> instant(row, "now")).single();
    }

    /** Inserts the messages in one statement; a message already there for its event and subscription stays. */
    void insertMessages(List<NewMessage> messages, Duration retryPeriod) {
        if (messages.isEmpty()) {
            return;
        }
        jdbc.sql("""
                        INSERT INTO jobs.webhook_deliveries
                            (id, subscription_id, event_id, event_type, job_id, payload, status, next_attempt_at,
                             give_up_at)
                        SELECT id, subscription_id, event_id, event_type, job_id, payload, 'PENDING', now(),
                               now() + cast(:retryPeriod AS interval)
                        FROM unnest(:ids, :subscriptions, :events, :types, :jobs, :payloads)
                            AS m(id, subscription_id, event_id, event_type, job_id, payload)
                        ON CONFLICT (subscription_id, event_id) DO NOTHING
                        """)
                .param("ids", uuids(messages.stream().map(NewMessage::id).toList()))
                .param(
                        "subscriptions",
                        uuids(messages.stream().map(NewMessage::subscriptionId).toList()))
                .param(
                        "events",
                        uuids(messages.stream().map(NewMessage::eventId).toList()))
                .param(
                        "types",
                        texts(messages.stream().map(m -> m.type().wireName()).toList()))
                .param("jobs", uuids(messages.stream().map(NewMessage::jobId).toList()))
                .param(
                        "payloads",
                        texts(messages.stream().map(NewMessage::payload).toList()))
                .param("retryPeriod", interval(retryPeriod))
                .update();
    }

    /**
     * Takes this transaction's turn at queueing progress messages, if no other gateway's transaction
     * holds it: without it, two gateways reading the progress state at the same moment would both find
     * a message due and queue it twice within one interval.
     *
     * @return false when another gateway is queueing progress right now (it queues what is due)
     */
    boolean takeProgressTurn() {
        return jdbc.sql("SELECT pg_try_advisory_xact_lock(hashtext('webhooks: job.progress'))")
                .query(Boolean.class)
                .single();
    }

    /**
     * Running jobs that subscriptions to {@code job.progress} are due a progress message about: the job
     * changed since the last one, and the subscription's interval has passed. The longest due first
     * (since the last message's interval ended, or since the job was created), so that when more are due
     * than one pass takes, each waits a pass or a few, none for ever. The subscriptions are held as
     * {@link #activeSubscriptions} holds them, for their messages and progress rows inserted next.
     */
    List<ProgressDue> dueProgress(int limit) {
        return jdbc.sql("""
                        SELECT s.id AS subscription_id, j.id AS job_id, j.version
                        FROM jobs.webhook_subscriptions s
                        JOIN jobs.bulk_jobs j ON j.portfolio_id = s.portfolio_id AND j.status = 'IN_PROGRESS'
                        LEFT JOIN jobs.webhook_progress p ON p.subscription_id = s.id AND p.job_id = j.id
                        WHERE s.status = 'ACTIVE' AND 'job.progress' = ANY(s.event_types)
                          AND (p.job_id IS NULL OR (p.job_version < j.version
                               AND p.sent_at <= now() - make_interval(secs => s.progress_interval_seconds)))
                        ORDER BY coalesce(p.sent_at + make_interval(secs => s.progress_interval_seconds), j.created_at),
                                 s.id, j.id
                        LIMIT :limit
                        FOR KEY SHARE OF s
                        """)
                .param("limit", limit)
                .query((row, n) -> new ProgressDue(
                        row.getObject("subscription_id", UUID.class),
                        row.getObject("job_id", UUID.class),
                        row.getLong("version")))
                .list();
    }

    /** Remembers the progress messages just queued, so that the next ones wait for the interval. */
    void markProgressSent(List<ProgressDue> sent) {
        jdbc.sql("""
                        INSERT INTO jobs.webhook_progress (subscription_id, job_id, job_version, sent_at)
                        SELECT subscription_id, job_id, job_version, now()
                        FROM unnest(:subscriptions, :jobs, :versions) AS p(subscription_id, job_id, job_version)
                        ON CONFLICT (subscription_id, job_id)
                        DO UPDATE SET job_version = excluded.job_version, sent_at = excluded.sent_at
                        """)
                .param(
                        "subscriptions",
                        uuids(sent.stream().map(ProgressDue::subscriptionId).toList()))
                .param("jobs", uuids(sent.stream().map(ProgressDue::jobId).toList()))
                .param("versions", longs(sent.stream().map(ProgressDue::version).toList()))
                .update();
    }

    /**
     * Removes what no one needs any more: events 7 days after they were fanned out, delivered or failed
     * messages (with their attempts) 30 days after their retry period ended ({@code give_up_at}: the
     * message's creation, or its last redelivery, plus the retry period then configured), the
     * subscriptions of closed portfolios once they have nothing left to send ({@link
     * #removeEndedSubscriptions}), and the progress state of jobs that ended. A message redelivered on request is kept 30 days after that
     * redelivery's retry period, its new attempts with it, however old the message. Events and messages
     * go in batches of {@link #REMOVAL_BATCH}, the oldest first, each its own statement (and so its own
     * short transaction), until a batch finds fewer: all of them, however many there are, unless
     * {@code carryOn} says to stop between two batches (the gateway stopping, or the time this run may
     * take spent). A batch is read in the order of an index of the ended messages (of the fanned-out
     * events; jobs migration V183) up to the first one too young, not from the whole table, which holds
     * a month of messages. Rows another gateway is removing at the same time are skipped. The days are
     * counted as 24 hours each: days of the session's time zone (the JVM's, as the driver sets it) would
     * make a retention across a clock change an hour shorter or longer, and differ between gateways.
     *
     * @return whether everything old was removed; false when {@code carryOn} stopped the run first
     */
    boolean removeOld(BooleanSupplier carryOn) {
        boolean done = removeInBatches("""
                        DELETE FROM jobs.webhook_events WHERE id IN (
                            SELECT id FROM jobs.webhook_events
                            WHERE fanned_out_at < now() - interval '168 hours'
                            ORDER BY fanned_out_at
                            LIMIT :batch FOR UPDATE SKIP LOCKED)
                        """, carryOn);
        done = done && removeInBatches("""
                        DELETE FROM jobs.webhook_deliveries WHERE id IN (
                            SELECT id FROM jobs.webhook_deliveries
                            WHERE status <> 'PENDING' AND give_up_at < now() - interval '720 hours'
                            ORDER BY give_up_at
                            LIMIT :batch FOR UPDATE SKIP LOCKED)
                        """, carryOn);
        done = done && removeEndedSubscriptions(carryOn);
        forgetProgressOfEndedJobs();
        return done;
    }

    /**
     * Removes the subscriptions of closed portfolios, with their messages, attempts and signing secrets:
     * no one can reach them any more (every request to a closed portfolio is refused), and no job of such
     * a portfolio ends after its close. One stays while it still has something to send: a pending
     * message, or an event of its portfolio not fanned out yet (the close's own job.cancelled messages,
     * which it delivers as any other), until that is delivered or its retry period ends. A disabled one
     * goes at once, since no one can enable it again. Their ended messages go first, in batches as
     * above, so that the deletion of a subscription does not take a month of its messages in one
     * statement; they are read subscription by subscription (by {@code webhook_deliveries_by_subscription}),
     * not among every ended message.
     *
     * @return false when {@code carryOn} stopped the run first
     */
    private boolean removeEndedSubscriptions(BooleanSupplier carryOn) {
        boolean done = removeInBatches("""
                        DELETE FROM jobs.webhook_deliveries WHERE id IN (
                            SELECT d.id FROM jobs.webhook_subscriptions s
                              JOIN jobs.closed_portfolios c ON c.portfolio_id = s.portfolio_id
                             CROSS JOIN LATERAL (
                                 SELECT dd.id FROM jobs.webhook_deliveries dd
                                  WHERE dd.subscription_id = s.id AND dd.status <> 'PENDING'
                                  LIMIT :batch FOR UPDATE SKIP LOCKED) d
                             LIMIT :batch)
                        """, carryOn);
        if (!done || !carryOn.getAsBoolean()) {
            return false;
        }
        jdbc.sql("""
                        DELETE FROM jobs.webhook_subscriptions WHERE id IN (
                            SELECT s.id FROM jobs.webhook_subscriptions s
                              JOIN jobs.closed_portfolios c ON c.portfolio_id = s.portfolio_id
                             WHERE s.status = 'DISABLED'
                                OR (NOT EXISTS (SELECT 1 FROM jobs.webhook_deliveries d
                                                 WHERE d.subscription_id = s.id AND d.status = 'PENDING')
                                    AND NOT EXISTS (SELECT 1 FROM jobs.webhook_events e
                                                     WHERE e.portfolio_id = s.portfolio_id AND e.fanned_out_at IS NULL))
                               FOR UPDATE OF s SKIP LOCKED)
                        """).update();
        return true;
    }

    /**
     * Runs {@code delete} (of at most {@code :batch} rows) again as long as it deletes a full batch;
     * answers whether it got to one that deleted fewer.
     */
    private boolean removeInBatches(String delete, BooleanSupplier carryOn) {
        int deleted = REMOVAL_BATCH;
        while (deleted == REMOVAL_BATCH) {
            if (!carryOn.getAsBoolean()) {
                return false;
            }
            deleted = jdbc.sql(delete).param("batch", REMOVAL_BATCH).update();
        }
        return true;
    }

    private void forgetProgressOfEndedJobs() {
        jdbc.sql("""
                        DELETE FROM jobs.webhook_progress p
                        WHERE sent_at < now() - interval '1 hour'
                          AND NOT EXISTS (SELECT 1 FROM jobs.bulk_jobs j
                                          WHERE j.id = p.job_id AND j.status IN ('QUEUED', 'IN_PROGRESS'))
                        """).update();
    }

    void markFannedOut(Collection<UUID> eventIds) {
        jdbc.sql("UPDATE jobs.webhook_events SET fanned_out_at = now() WHERE id = ANY(:ids)")
                .param("ids", uuids(eventIds))
                .update();
    }

    /**
     * Claims due messages of active subscriptions for {@code lease}, oldest due first: of each
     * subscription at most {@code perSubscription} less the messages this instance is still sending to
     * it ({@code sending}), and of each portfolio at most {@code perPortfolio} less those it is still
     * sending to the portfolio's subscriptions. Messages another instance holds (locked or leased) are
     * skipped.
     *
     * <p>A message is due once its next attempt is, an attempt scheduled before the end of its retry
     * period, and stays due until {@code lease} after that end, when {@link #failExpired} fails it: its
     * last retry, due a moment before the end, is made by the next pass, which comes up to a poll
     * interval later. Before, a message was claimed only before that end, and one whose last retry fell
     * between two passes was failed without it.
     *
     * <p>Only what can be claimed is read: the subscriptions with pending messages, found one step each
     * along {@code webhook_deliveries_due_by_subscription} (jobs migration V196), and of each active one
     * its {@code perSubscription} first due messages, from that index in due order. A portfolio whose
     * receivers fall behind (slow but successful, so never disabled) may leave hundreds of thousands of
     * messages due; ranked in full, they were read and sorted at every pass of every gateway's dispatcher,
     * whose thread sends everyone's messages.
     *
     * <p>The messages to claim are chosen once, as arrays ({@code = ANY(ARRAY(...))}), not as {@code IN}
     * subqueries: while the table's statistics still say no message is pending (analyzed before a burst),
     * PostgreSQL ran an {@code IN} as a semi-join that chose and locked the messages again for every
     * pending message (10,001 due: 702,851 buffers, 0.84 s a claim; as arrays 3,447 buffers, 0.17 s).
     */
    List<Claimed> claimDue(
            int limit, int perSubscription, int perPortfolio, Map<UUID, Integer> sending, Duration lease) {
        List<UUID> subscriptions = List.copyOf(sending.keySet());
        return jdbc.sql("""
                        WITH RECURSIVE pending_subscriptions AS (
                            SELECT (SELECT subscription_id FROM jobs.webhook_deliveries WHERE status = 'PENDING'
                                    ORDER BY subscription_id LIMIT 1) AS id
                            UNION ALL
                            SELECT (SELECT dd.subscription_id FROM jobs.webhook_deliveries dd
                                    WHERE dd.status = 'PENDING' AND dd.subscription_id > p.id
                                    ORDER BY dd.subscription_id LIMIT 1)
                            FROM pending_subscriptions p WHERE p.id IS NOT NULL
                        ), sending AS (
                            SELECT * FROM unnest(:sendingTo, :sendingCounts) AS sending(subscription_id, n)
                        ), portfolio_sending AS (
                            SELECT ss.portfolio_id, sum(sending.n) AS n
                            FROM sending JOIN jobs.webhook_subscriptions ss ON ss.id = sending.subscription_id
                            GROUP BY ss.portfolio_id
                        )
                        UPDATE jobs.webhook_deliveries d SET leased_until = now() + cast(:lease AS interval)
                        FROM jobs.webhook_subscriptions s
                        WHERE d.id = ANY(ARRAY(
                                SELECT id FROM jobs.webhook_deliveries
                                WHERE id = ANY(ARRAY(
                                    SELECT id FROM (
                                        SELECT id, next_attempt_at, portfolio_sending,
                                               row_number() OVER (PARTITION BY portfolio_id
                                                                  ORDER BY next_attempt_at, id) AS portfolio_rank
                                        FROM (
                                            SELECT dd.id, dd.next_attempt_at, ss.portfolio_id,
                                                   coalesce(sending.n, 0) AS sending,
                                                   coalesce(ps.n, 0) AS portfolio_sending,
                                                   row_number() OVER (PARTITION BY ss.id
                                                                      ORDER BY dd.next_attempt_at, dd.id) AS rank
                                            FROM pending_subscriptions p
                                            JOIN jobs.webhook_subscriptions ss ON ss.id = p.id
                                            LEFT JOIN sending ON sending.subscription_id = ss.id
                                            LEFT JOIN portfolio_sending ps ON ps.portfolio_id = ss.portfolio_id
                                            CROSS JOIN LATERAL (
                                                SELECT dd.id, dd.next_attempt_at FROM jobs.webhook_deliveries dd
                                                WHERE dd.subscription_id = ss.id
                                                  AND dd.status = 'PENDING' AND dd.next_attempt_at <= now()
                                                  AND dd.next_attempt_at < dd.give_up_at
                                                  AND dd.give_up_at > now() - cast(:lease AS interval)
                                                  AND (dd.leased_until IS NULL OR dd.leased_until < now())
                                                ORDER BY dd.next_attempt_at, dd.id
                                                LIMIT :perSubscription) dd
                                            WHERE ss.status = 'ACTIVE'
                                        ) due
                                        WHERE rank <= :perSubscription - sending
                                    ) due_in_portfolio
                                    WHERE portfolio_rank <= :perPortfolio - portfolio_sending
                                    ORDER BY next_attempt_at LIMIT :limit))
                                FOR UPDATE SKIP LOCKED))
                          AND s.id = d.subscription_id
                          AND d.status = 'PENDING' AND (d.leased_until IS NULL OR d.leased_until < now())
                        RETURNING d.id, d.subscription_id, d.event_type, d.job_id, d.payload,
                                  d.attempts - d.attempts_before_redelivery AS attempts_since_redelivery, d.created_at,
                                  d.give_up_at, d.redeliveries, s.url, s.secret_ciphertext,
                                  ARRAY(SELECT p.secret_ciphertext FROM jobs.webhook_previous_secrets p
                                        WHERE p.subscription_id = s.id AND p.signs_until > now()
                                        -- Where a gateway of the version before keeps one it rotated out.
                                        UNION SELECT s.previous_secret_ciphertext
                                        WHERE s.previous_secret_until > now()) AS previous_secret_ciphertexts,
                                  clock_timestamp() AS database_time
                        """)
                .param("lease", interval(lease))
                .param("limit", limit)
                .param("perSubscription", perSubscription)
                .param("perPortfolio", perPortfolio)
                .param("sendingTo", uuids(subscriptions))
                .param(
                        "sendingCounts",
                        ints(subscriptions.stream().map(sending::get).toList()))
                .query((row, n) -> new Claimed(
                        row.getObject("id", UUID.class),
                        row.getObject("subscription_id", UUID.class),
                        EventType.ofStored(row.getString("event_type")),
                        row.getObject("job_id", UUID.class),
                        row.getString("payload"),
                        row.getInt("attempts_since_redelivery"),
                        instant(row, "created_at"),
                        instant(row, "give_up_at"),
                        row.getInt("redeliveries"),
                        row.getString("url"),
                        row.getString("secret_ciphertext"),
                        List.of((String[])
                                row.getArray("previous_secret_ciphertexts").getArray()),
                        instant(row, "database_time"),
                        System.nanoTime()))
                .list();
    }

    /**
     * Fails the pending messages whose retry period ended more than {@code lease} ago (e.g. while their
     * subscription was disabled, or no gateway could send them): {@link #claimDue} still claims a
     * message due before the end of its retry period until then, so that its last retry, scheduled a
     * moment before that end, is made and recorded even when no pass came in between.
     *
     * <p>Such a message's {@code last_error} says why it failed ({@link #EXPIRED}), whatever its last
     * attempt's error was, and its history ends with a {@code FAILED} entry of that moment that sent
     * nothing (no response code, 0 ms, not counted in {@code attempts}), in place of a retry that never
     * came. Before, it kept the receiver's last error ("The receiver answered 503") and its history
     * ended with {@code WILL_RETRY} and a next attempt never made.
     */
    int failExpired(Duration lease) {
        return jdbc.sql("""
                        WITH expired AS (
                            UPDATE jobs.webhook_deliveries
                            SET status = 'FAILED', next_attempt_at = NULL, leased_until = NULL, last_error = :error
                            WHERE status = 'PENDING' AND give_up_at < now() - cast(:lease AS interval)
                              AND (leased_until IS NULL OR leased_until < now())
                            RETURNING id)
                        INSERT INTO jobs.webhook_attempts (delivery_id, attempted_at, outcome, duration_ms, error)
                        SELECT id, now(), 'FAILED', 0, :error FROM expired
                        """)
                .param("lease", interval(lease))
                .param("error", EXPIRED)
                .update();
    }

    /**
     * Locks the subscription's row until the transaction ends, first thing in the transaction that
     * stores an attempt: deleting a subscription locks its row and then, by cascade, its messages', so a
     * transaction that updated a message first and the subscription's failure streak after would
     * deadlock with it. {@code FOR NO KEY UPDATE}, the lock that update takes anyway: new messages
     * (which take a key share) are still inserted meanwhile.
     *
     * <p>Answers the database's time of the transaction, the clock that every due check ({@link
     * #claimDue}, {@link #failExpired}) and the message's {@code give_up_at} go by: the attempt is stored
     * and its next one scheduled by it, not by the gateway's clock, which may be minutes off.
     *
     * @return empty when the subscription is gone, its messages with it
     */
    Optional<Instant> lockSubscription(UUID subscriptionId) {
        return jdbc.sql("SELECT now() FROM jobs.webhook_subscriptions WHERE id = :id FOR NO KEY UPDATE")
                .param("id", subscriptionId)
                .query((row, n) -> instant(row, "now"))
                .optional();
    }

    /**
     * Stores an attempt and the message's new state (succeeded, failed, or pending until
     * {@code nextAttemptAt}), releasing the lease; only a message still pending changes. Both times are
     * the database's (see {@link #lockSubscription}). A message redelivered since it was claimed
     * ({@code claimed} is not its redelivery count any more) keeps the state the redelivery gave it:
     * pending, due at once.
     */
    void recordAttempt(
            Claimed claimed,
            Instant attemptedAt,
            AttemptResult result,
            AttemptView.Outcome outcome,
            Instant nextAttemptAt) {
        DeliveryView.Status status = switch (outcome) {
            case SUCCEEDED -> DeliveryView.Status.SUCCEEDED;
            case FAILED -> DeliveryView.Status.FAILED;
            case WILL_RETRY -> DeliveryView.Status.PENDING;
        };
        jdbc.sql("""
                        UPDATE jobs.webhook_deliveries
                        SET status = CASE WHEN redeliveries = :redeliveries THEN :status ELSE status END,
                            next_attempt_at = CASE WHEN redeliveries = :redeliveries THEN :next ELSE next_attempt_at END,
                            delivered_at = CASE WHEN redeliveries = :redeliveries AND :status = 'SUCCEEDED'
                                THEN now() ELSE delivered_at END,
                            attempts = attempts + 1, leased_until = NULL,
                            attempts_before_redelivery = attempts_before_redelivery
                                + CASE WHEN redeliveries = :redeliveries THEN 0 ELSE 1 END,
                            last_response_code = :code, last_duration_ms = :duration, last_error = :error
                        WHERE id = :id AND status = 'PENDING'
                        """)
                .param("id", claimed.id())
                .param("redeliveries", claimed.redeliveries())
                .param("status", status.name())
                .param("next", timestamp(nextAttemptAt))
                .param("code", result.responseCode())
                .param("duration", (int) result.duration().toMillis())
                .param("error", result.error())
                .update();
        jdbc.sql("""
                        INSERT INTO jobs.webhook_attempts
                            (delivery_id, attempted_at, outcome, response_code, duration_ms, error, response_excerpt,
                             next_attempt_at)
                        VALUES (:id, :at, :outcome, :code, :duration, :error, :excerpt, :next)
                        """)
                .param("id", claimed.id())
                .param("at", timestamp(attemptedAt))
                .param("outcome", outcome.name())
                .param("code", result.responseCode())
                .param("duration", (int) result.duration().toMillis())
                .param("error", result.error())
                .param("excerpt", result.responseExcerpt())
                .param("next", timestamp(nextAttemptAt))
                .update();
    }

    /** A delivery succeeded: the subscription is no longer failing. */
    void clearFailing(UUID subscriptionId) {
        jdbc.sql("""
                        UPDATE jobs.webhook_subscriptions SET failing_since = NULL, last_failed_at = NULL
                        WHERE id = :id AND failing_since IS NOT NULL
                        """).param("id", subscriptionId).update();
    }

    /**
     * A delivery failed: starts the subscription's failure streak, or goes on with it when the last
     * failure was at most {@code streakGap} ago, and disables the subscription when the streak has
     * lasted {@code disableAfter}. A failure after a longer quiet time (no message to send, or a
     * receiver asking to wait longer) starts a new streak: nothing shows that the receiver failed in
     * between.
     *
     * @return whether this disabled it
     */
    boolean recordFailing(UUID subscriptionId, Duration disableAfter, Duration streakGap) {
        return jdbc.sql("""
                        UPDATE jobs.webhook_subscriptions
                        SET failing_since = CASE WHEN last_failed_at >= now() - cast(:streakGap AS interval)
                                THEN coalesce(failing_since, now()) ELSE now() END,
                            last_failed_at = now(),
                            status = CASE WHEN last_failed_at >= now() - cast(:streakGap AS interval)
                                    AND failing_since < now() - cast(:disableAfter AS interval)
                                THEN 'DISABLED' ELSE status END,
                            disabled_reason = CASE WHEN last_failed_at >= now() - cast(:streakGap AS interval)
                                    AND failing_since < now() - cast(:disableAfter AS interval)
                                THEN 'Every delivery failed for ' || :disableAfterText ELSE disabled_reason END,
                            updated_at = now()
                        WHERE id = :id AND status = 'ACTIVE'
                        RETURNING status
                        """)
                .param("id", subscriptionId)
                .param("disableAfter", interval(disableAfter))
                .param("streakGap", interval(streakGap))
                .param("disableAfterText", disableAfter.toString().substring(2).toLowerCase(Locale.ROOT))
                .query(String.class)
                .optional()
                .filter("DISABLED"::equals)
                .isPresent();
    }

    /** Pending messages and events not fanned out yet, and the age of the oldest, in seconds. */
    Backlog backlog() {
        return jdbc.sql("""
                        SELECT count(*) AS size,
                               coalesce(extract(epoch FROM now() - min(since)), 0) AS oldest
                        FROM (SELECT created_at AS since FROM jobs.webhook_deliveries WHERE status = 'PENDING'
                              UNION ALL
                              SELECT occurred_at FROM jobs.webhook_events WHERE fanned_out_at IS NULL) b
                        """)
                .query((row, n) -> new Backlog(row.getLong("size"), row.getDouble("oldest")))
                .single();
    }

    /**
     * The subscription's messages, newest first, after the position {@code (createdAt, id)} when given;
     * up to {@code limit + 1} rows, so the caller knows whether a next page follows.
     */
    List<DeliveryView> list(UUID subscriptionId, Instant afterCreatedAt, UUID afterId, int limit) {
        String after = afterId == null ? "" : " AND (created_at, id) < (:afterCreatedAt, :afterId)";
        JdbcClient.StatementSpec statement = jdbc.sql("SELECT " + DELIVERY_COLUMNS
                        + " FROM jobs.webhook_deliveries WHERE subscription_id = :subscriptionId" + after
                        + " ORDER BY created_at DESC, id DESC LIMIT :fetch")
                .param("subscriptionId", subscriptionId)
                .param("fetch", limit + 1);
        if (afterId != null) {
            statement =
                    statement.param("afterCreatedAt", timestamp(afterCreatedAt)).param("afterId", afterId);
        }
        return statement.query(Deliveries::delivery).list();
    }

    Optional<DeliveryView> find(UUID subscriptionId, UUID deliveryId) {
        return jdbc.sql("SELECT " + DELIVERY_COLUMNS
                        + " FROM jobs.webhook_deliveries WHERE id = :id AND subscription_id = :subscriptionId")
                .param("id", deliveryId)
                .param("subscriptionId", subscriptionId)
                .query(Deliveries::delivery)
                .optional();
    }

    /**
     * The message's newest {@code limit} attempts, oldest first: read backwards from the newest by the
     * index of its attempts, so that a message redelivered over and over (a month of attempts) is read no
     * further than that.
     */
    List<AttemptView> newestAttempts(UUID deliveryId, int limit) {
        return jdbc.sql("""
                        SELECT * FROM (
                            SELECT id, attempted_at, outcome, response_code, duration_ms, error, response_excerpt,
                                   next_attempt_at
                            FROM jobs.webhook_attempts WHERE delivery_id = :id ORDER BY id DESC LIMIT :limit
                        ) newest ORDER BY id
                        """)
                .param("id", deliveryId)
                .param("limit", limit)
                .query((row, n) -> new AttemptView(
                        instant(row, "attempted_at"),
                        AttemptView.Outcome.valueOf(row.getString("outcome")),
                        row.getObject("response_code", Integer.class),
                        row.getInt("duration_ms"),
                        row.getString("error"),
                        row.getString("response_excerpt"),
                        instant(row, "next_attempt_at")))
                .list();
    }

    /**
     * Sends the message again as soon as possible, whatever its state, with a new retry period and the
     * same webhook-id; empty when it is not one of the subscription's. It is not delivered again until
     * the receiver accepts it again: an earlier delivery time goes.
     */
    Optional<DeliveryView> redeliver(UUID subscriptionId, UUID deliveryId, Duration retryPeriod) {
        return jdbc.sql("""
                        UPDATE jobs.webhook_deliveries
                        SET status = 'PENDING', next_attempt_at = now(), give_up_at = now() + cast(:retryPeriod AS interval),
                            delivered_at = NULL, redeliveries = redeliveries + 1, attempts_before_redelivery = attempts
                        WHERE id = :id AND subscription_id = :subscriptionId
                        RETURNING\s""" + DELIVERY_COLUMNS)
                .param("id", deliveryId)
                .param("subscriptionId", subscriptionId)
                .param("retryPeriod", interval(retryPeriod))
                .query(Deliveries::delivery)
                .optional();
    }

    private static DeliveryView delivery(ResultSet row, int n) throws SQLException {
        return new DeliveryView(
                row.getObject("id", UUID.class),
                EventType.ofStored(row.getString("event_type")),
                row.getObject("job_id", UUID.class),
                DeliveryView.Status.valueOf(row.getString("status")),
                row.getInt("attempts"),
                row.getObject("last_response_code", Integer.class),
                row.getObject("last_duration_ms", Integer.class),
                row.getString("last_error"),
                instant(row, "next_attempt_at"),
                instant(row, "created_at"),
                instant(row, "delivered_at"),
                null);
    }

    private static String interval(Duration duration) {
        return duration.toMillis() + " milliseconds";
    }

    private static java.time.OffsetDateTime timestamp(Instant instant) {
        return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
    }

    /** A job event of the outbox. */
    record Event(UUID id, UUID jobId, UUID portfolioId, EventType type, Instant occurredAt) {}

    /** An active subscription and the wire names of the events it receives. */
    record Target(UUID id, UUID portfolioId, List<String> eventTypes) {

        boolean receives(EventType type) {
            return eventTypes.contains(type.wireName());
        }
    }

    /** A message to store. */
    record NewMessage(UUID id, UUID subscriptionId, UUID eventId, EventType type, UUID jobId, String payload) {}

    /**
     * A message claimed for sending, with its subscription's URL and encrypted secret (and the previous
     * one while it still signs, or null), its attempts since
     * it was last redelivered on request (all of them when it never was), and how many times it had been
     * redelivered when it was claimed, and the database's time when it was claimed, at {@code claimedNanos}
     * ({@link System#nanoTime()}).
     */
    record Claimed(
            UUID id,
            UUID subscriptionId,
            EventType type,
            UUID jobId,
            String payload,
            int attemptsSinceRedelivery,
            Instant createdAt,
            Instant giveUpAt,
            int redeliveries,
            String url,
            String secretCiphertext,
            List<String> previousSecretCiphertexts,
            Instant databaseTime,
            long claimedNanos) {

        /**
         * The database's time now, as this gateway tells it from the database's time of the claim and its
         * own monotonic clock since: what the message is dated with, whatever the gateway's clock says.
         */
        Instant databaseNow() {
            return databaseTime.plusNanos(System.nanoTime() - claimedNanos);
        }
    }

    /** A subscription due a progress message about a running job, at this version of the job. */
    record ProgressDue(UUID subscriptionId, UUID jobId, long version) {}

    /** The outbox's size and the age of its oldest entry. */
    record Backlog(long size, double oldestAgeSeconds) {}
}

package com.portfoliobulk.worker.retention;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Deletes the invitation e-mails ({@code directory.invitation_mails}) that are of no use any more: ended
 * ({@code SENT}, {@code FAILED} or {@code CANCELLED}), none of their invitations pending (accepted,
 * revoked, resent, expired and ended, removed), and queued longer ago than the longest an invitation
 * stays open plus {@code bulk.worker.retention.invitation-mails} (30 days). A row holds the invitee's
 * and the inviter's addresses and the digest of its link's token; nothing else ends it, so without this
 * they stayed for ever, long after the job was deleted, the access removed or the portfolio closed.
 *
 * <p>An e-mail's invitations expire at most {@link #LONGEST_INVITATION} after their job was submitted,
 * which was before the e-mail was queued, or after they were applied, when that was more than a minute
 * later: once that and the retention have passed since it was queued, the last of them expired at least
 * the retention ago, but for one of its job applied late, after the e-mail was queued (it lasts its
 * period from then). Until then its link sent again by its invitee
 * answers the access it gave; after, it answers as a link that never existed (404 here, 410 from the
 * gateway).
 *
 * <p>Deletion goes in batches of at most {@code batch-size} rows, each one statement of its own with a
 * pause between them, the oldest first, found on {@code invitation_mails_ended_by_creation} (directory
 * migration V179). Rows another worker is deleting, or an acceptance holds, are skipped
 * ({@code SKIP LOCKED}), so instances do not wait for each other. Rows deleted count in
 * {@code bulk_retention_deleted_rows_total{table="invitation_mails"}}, as the gateway's retention counts
 * its own.
 */
@Component
public class InvitationMailRetention {

    /**
     * The longest an invitation stays open: the api-gateway's largest {@code expiresInDays} (its
     * {@code InviteUsers.MAX_EXPIRY_DAYS}), counted from the job's submission, or from when the task was
     * applied when it applied late ({@code TaskRow#invitationExpiry}).
     */
    static final Duration LONGEST_INVITATION = Duration.ofDays(30);

    /**
     * Deletes up to {@code :batch} e-mails of no use, the oldest first. They are read in order on
     * {@code invitation_mails_ended_by_creation}, a pending invitation of each is looked up on
     * {@code memberships_by_invitation_job} (an expired one the expiry sweep has not ended yet counts as
     * pending), and the rows found are deleted by their ids as an array: with {@code IN (SELECT ...)}
     * the planner joined a batch of thousands with the whole table, read from end to end.
     */
    static final String DELETE_ENDED = """
            DELETE FROM directory.invitation_mails
             WHERE id = ANY (ARRAY(
                   SELECT m.id FROM directory.invitation_mails m
                    WHERE m.status <> 'PENDING'
                      AND m.created_at <= now() - make_interval(secs => :keptSeconds)
                      AND NOT EXISTS (SELECT 1 FROM directory.memberships i
                                       WHERE i.invitation_job_id = m.job_id AND i.user_id = m.user_id
                                         AND i.state = 'INVITED')
                    ORDER BY m.created_at
                    LIMIT :batch
                      FOR UPDATE OF m SKIP LOCKED))
            """;

    private static final Logger log = LoggerFactory.getLogger(InvitationMailRetention.class);

    private final JdbcClient jdbc;

    private final RetentionProperties properties;

    private final Counter deleted;

    InvitationMailRetention(JdbcClient jdbc, RetentionProperties properties, MeterRegistry meters) {
        this.jdbc = jdbc;
        this.properties = properties;
        this.deleted = Counter.builder("bulk.retention.deleted.rows")
                .description("Rows deleted because their retention period passed")
                .tag("table", "invitation_mails")
                .register(meters);
    }

    @Scheduled(
            initialDelayString = "${bulk.worker.retention.initial-delay:1m}",
            fixedDelayString = "${bulk.worker.retention.interval:1h}")
    void scheduled() {
        try {
            long mails = run();
            if (mails > 0) {
                log.info("Retention deleted {} invitation e-mails", mails);
            }
        } catch (RuntimeException ex) {
            // The next run carries on where this one stopped: every batch that committed stays deleted.
            log.warn("Retention stopped early; it resumes on its next run", ex);
        }
    }

    /** Deletes every e-mail of no use now, batch by batch; answers how many. */
    public long run() {
        long total = 0;
        while (true) {
            int batch = jdbc.sql(DELETE_ENDED)
                    .param("keptSeconds", kept().toSeconds())
                    .param("batch", properties.batchSize())
                    .update();
            deleted.increment(batch);
            total += batch;
            if (batch < properties.batchSize()) {
                return total;
            }
            pause();
        }
    }

    /** How long after it was queued an e-mail is kept at least. */
    Duration kept() {
        return LONGEST_INVITATION.plus(properties.invitationMails());
    }

    private void pause() {
        if (properties.pause().isZero()) {
            return;
        }
        try {
            Thread.sleep(properties.pause());
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted between retention batches", ex);
        }
    }
}

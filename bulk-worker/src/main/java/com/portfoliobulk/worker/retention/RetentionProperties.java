package com.portfoliobulk.worker.retention;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How long the worker keeps what is of no use any more, and how gently it deletes it
 * ({@code bulk.worker.retention.*}).
 *
 * @param invitationMails how long an invitation e-mail is kept once none of its invitations is pending,
 *     counted from the latest its invitations could expire ({@link InvitationMailRetention#LONGEST_INVITATION}
 *     after it was queued): meanwhile its link sent again by its invitee answers the access it gave
 * @param batchSize the most rows one delete statement removes (each batch is its own short transaction)
 * @param pause the pause between two batches, so that a large backlog does not stall the database
 * @param initialDelay how long after the worker's start the deletion first runs
 * @param interval how often the deletion runs
 */
@ConfigurationProperties("bulk.worker.retention")
public record RetentionProperties(
        @DefaultValue("30d") Duration invitationMails,
        @DefaultValue("5000") int batchSize,
        @DefaultValue("50ms") Duration pause,
        @DefaultValue("1m") Duration initialDelay,
        @DefaultValue("1h") Duration interval) {

    public RetentionProperties {
        if (invitationMails == null || invitationMails.isNegative()) {
            throw new IllegalArgumentException("bulk.worker.retention.invitation-mails must not be negative");
        }
        if (batchSize < 1 || batchSize > 100_000) {
            throw new IllegalArgumentException("bulk.worker.retention.batch-size must be between 1 and 100000");
        }
        if (pause == null || pause.isNegative()) {
            throw new IllegalArgumentException("bulk.worker.retention.pause must not be negative");
        }
    }
}

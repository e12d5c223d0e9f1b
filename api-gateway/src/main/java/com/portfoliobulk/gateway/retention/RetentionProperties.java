package com.portfoliobulk.gateway.retention;

import com.portfoliobulk.gateway.jobs.InviteUsers;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * How long finished jobs are kept, and how gently they are deleted ({@code bulk.gateway.retention.*}).
 *
 * @param finishedJobs how long a finished job (completed, with errors, or cancelled) and its tasks are
 *     kept after it finished, and a re-driven or dismissed task dead letter after its re-drive or
 *     dismissal; at least the longest an invitation may stay open ({@value InviteUsers#MAX_EXPIRY_DAYS}
 *     days), since unlinking an account ends the pending invitations of its portfolio, and the
 *     invitation's job is what names that portfolio
 * @param batchSize the most rows one delete statement removes (each batch is its own short transaction)
 * @param pause the pause between two batches, so that a large backlog does not stall the database
 * @param interval how often the deletion runs
 */
@Validated
@ConfigurationProperties("bulk.gateway.retention")
public record RetentionProperties(
        @DefaultValue("30d") @NotNull Duration finishedJobs,
        @DefaultValue("5000") @Min(1) @Max(100_000) int batchSize,
        @DefaultValue("50ms") @NotNull Duration pause,
        @DefaultValue("1h") @NotNull Duration interval) {

    public RetentionProperties {
        Duration invitationLifetime = Duration.ofDays(InviteUsers.MAX_EXPIRY_DAYS);
        if (finishedJobs != null && finishedJobs.compareTo(invitationLifetime) < 0) {
            throw new IllegalArgumentException("bulk.gateway.retention.finished-jobs is " + finishedJobs.toDays()
                    + " days; it must be at least " + InviteUsers.MAX_EXPIRY_DAYS
                    + " days, the longest an invitation may stay open (its job names its portfolio)");
        }
    }
}

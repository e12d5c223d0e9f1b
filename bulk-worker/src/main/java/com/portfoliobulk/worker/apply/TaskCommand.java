package com.portfoliobulk.worker.apply;

import com.portfoliobulk.contracts.BulkTaskMessage;
import java.util.Objects;
import java.util.UUID;

/**
 * One record of a batch, as the applier sees it: a task to apply; a task whose record could not be
 * read or is invalid and that is to be failed with {@code INVALID_TASK}; or a task whose record a newer
 * version wrote, which fails as a task whose row this version cannot read does (it counts an attempt,
 * and is tried again).
 *
 * @param index the record's position in the batch
 * @param taskId the task
 * @param jobId the job the record names, when known (a record that cannot be read may not say)
 * @param portfolioId the portfolio the record names, when known
 * @param accountId the account the record is keyed by, when known: its tasks must be applied in order
 * @param message the task to apply; {@code null} for a record that cannot be applied
 * @param reason why the record cannot be applied; {@code null} for a task to apply
 * @param newer whether the record cannot be read because a newer version wrote it
 * @param traceParent the W3C trace context the record carried; {@code null} when untraced
 */
record TaskCommand(
        int index,
        UUID taskId,
        UUID jobId,
        UUID portfolioId,
        UUID accountId,
        BulkTaskMessage message,
        String reason,
        boolean newer,
        String traceParent) {

    TaskCommand {
        Objects.requireNonNull(taskId, "taskId");
        if ((message == null) == (reason == null)) {
            throw new IllegalArgumentException("A command is either a task to apply or a record that cannot be");
        }
    }

    static TaskCommand apply(int index, BulkTaskMessage message, String traceParent) {
        return new TaskCommand(
                index,
                message.taskId(),
                message.jobId(),
                message.portfolioId(),
                message.accountId(),
                message,
                null,
                false,
                traceParent);
    }

    /** A record that cannot be read, naming its task: with the job and portfolio it names too, if any. */
    static TaskCommand invalid(int index, UUID taskId, UnreadableRecord record, String reason, String traceParent) {
        return new TaskCommand(
                index,
                taskId,
                record.jobId().orElse(null),
                record.portfolioId().orElse(null),
                null,
                null,
                reason,
                false,
                traceParent);
    }

    /** A record a newer version wrote, of the account (job, portfolio) that can be read from it. */
    static TaskCommand newer(int index, UUID taskId, UnreadableRecord record, String reason, String traceParent) {
        return new TaskCommand(
                index,
                taskId,
                record.jobId().orElse(null),
                record.portfolioId().orElse(null),
                record.accountId().orElse(null),
                null,
                reason,
                true,
                traceParent);
    }

    /** Whether the record is invalid: its task is failed with {@code INVALID_TASK}. */
    boolean isInvalid() {
        return message == null && !newer;
    }
}

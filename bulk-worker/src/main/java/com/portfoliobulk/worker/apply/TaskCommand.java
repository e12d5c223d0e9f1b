package com.portfoliobulk.worker.apply;

import com.portfoliobulk.contracts.BulkTaskMessage;
import java.util.Objects;
import java.util.UUID;

/**
 * One record of a batch, as the applier sees it: a task to apply, or a task whose record could not
 * be read or is invalid and that is to be failed with {@code INVALID_TASK}.
 *
 * @param index the record's position in the batch
 * @param taskId the task
 * @param message the task to apply; {@code null} for an invalid record
 * @param invalidReason why the record is invalid; {@code null} for a task to apply
 * @param traceParent the W3C trace context the record carried; {@code null} when untraced
 */
record TaskCommand(int index, UUID taskId, BulkTaskMessage message, String invalidReason, String traceParent) {

    TaskCommand {
        Objects.requireNonNull(taskId, "taskId");
        if ((message == null) == (invalidReason == null)) {
            throw new IllegalArgumentException("A command is either a task to apply or an invalid record");
        }
    }

    static TaskCommand apply(int index, BulkTaskMessage message, String traceParent) {
        return new TaskCommand(index, message.taskId(), message, null, traceParent);
    }

    static TaskCommand invalid(int index, UUID taskId, String reason, String traceParent) {
        return new TaskCommand(index, taskId, null, reason, traceParent);
    }

    boolean isInvalid() {
        return message == null;
    }

    /** The account the record is keyed by, when known: its tasks must be applied in order. */
    UUID accountId() {
        return message == null ? null : message.accountId();
    }
}

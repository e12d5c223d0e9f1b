package com.portfoliobulk.gateway.relay;

import com.portfoliobulk.contracts.BulkTaskMessage;
import java.util.UUID;

/**
 * An unpublished task as the relay reads it.
 *
 * @param id the task id
 * @param pending whether it still waits to be applied; a task cancelled before it was published is
 *     marked published without being sent
 * @param message the record to publish
 * @param traceParent the W3C trace context of the job's submission, or {@code null}
 */
record OutboxTask(UUID id, boolean pending, BulkTaskMessage message, String traceParent) {

    /** The record key: the account id, so one account's tasks stay in order in one partition. */
    String key() {
        return message.accountId().toString();
    }
}

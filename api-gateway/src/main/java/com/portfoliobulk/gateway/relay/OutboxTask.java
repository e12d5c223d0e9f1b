package com.portfoliobulk.gateway.relay;

import com.portfoliobulk.contracts.BulkTaskMessage;
import java.util.UUID;

/**
 * A task waiting for the relay, as the relay reads it.
 *
 * @param id the task id
 * @param seq the task's place in submission order
 * @param republication the id of its row in {@code jobs.task_republications} when it is sent again
 *     from there, or {@code null} when it is a job's new task
 * @param pending whether it still waits to be applied; a republished task that ended meanwhile is not
 *     sent
 * @param message the record to publish
 * @param traceParent the W3C trace context of the job's submission, or {@code null}
 * @param jobPortfolioId the portfolio of the task's job: portfolios take turns in the relay's batches
 */
record OutboxTask(
        UUID id,
        long seq,
        Long republication,
        boolean pending,
        BulkTaskMessage message,
        String traceParent,
        UUID jobPortfolioId) {

    /** The record key: the account id, so one account's tasks stay in order in one partition. */
    String key() {
        return message.accountId().toString();
    }
}

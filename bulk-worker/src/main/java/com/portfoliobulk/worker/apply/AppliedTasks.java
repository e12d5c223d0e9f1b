package com.portfoliobulk.worker.apply;

import com.portfoliobulk.contracts.AccountActivityEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * What committed transactions did for (part of) a batch.
 *
 * @param events one activity event per applied change, in task order, including the events of tasks
 *     that an earlier delivery already applied (they are published again)
 * @param outcomes the task outcomes stored now
 * @param finishedJobs the jobs that became terminal
 * @param rejections the records to dead-letter because they name no known task or do not match it
 * @param deferred the tasks deferred now, because an earlier task of their account is still pending; not
 *     those deferred already, whose record came again while they wait
 */
record AppliedTasks(
        List<AccountActivityEvent> events,
        List<TaskOutcome> outcomes,
        List<FinishedJob> finishedJobs,
        List<Rejection> rejections,
        List<UUID> deferred) {

    static AppliedTasks empty() {
        return new AppliedTasks(
                new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    }

    /** Adds another transaction's results to these (which must be mutable, as {@link #empty()}). */
    void add(AppliedTasks other) {
        events.addAll(other.events);
        outcomes.addAll(other.outcomes);
        finishedJobs.addAll(other.finishedJobs);
        rejections.addAll(other.rejections);
        deferred.addAll(other.deferred);
    }
}

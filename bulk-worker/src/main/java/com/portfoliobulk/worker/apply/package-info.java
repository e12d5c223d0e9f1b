/**
 * Applying bulk tasks: the Kafka listener, the transactions that decide each task with
 * {@code AccessRules} and change the directory, and how failures are retried.
 *
 * <p>Guarantees: a task is applied at most once in effect (its row's {@code PENDING} status under a
 * row lock is the guard, and the directory change, the task outcome and the job counters commit
 * together); records of one account are applied in the order they were published; an unreachable
 * database pauses consumption instead of failing tasks; an applied change's activity event is
 * published (again, on redelivery) before the batch's offsets are committed.
 */
package com.portfoliobulk.worker.apply;

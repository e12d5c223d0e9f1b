package com.portfoliobulk.worker.apply;

import com.portfoliobulk.contracts.AccountActivityEvent;
import java.util.List;

/**
 * What applying a batch left for the listener to do after the database work committed.
 *
 * @param events the activity events to publish
 * @param rejections the records to dead-letter
 * @param tasksAwaitingRetry how many tasks failed and must be tried again (0 when the batch is done)
 */
record BatchResult(List<AccountActivityEvent> events, List<Rejection> rejections, int tasksAwaitingRetry) {}

package com.portfoliobulk.worker.apply;

/**
 * A record of the batch that names no known task, or does not match its task: it goes to the dead
 * letter topic.
 *
 * @param index the record's position in the batch
 * @param reason why it was rejected
 */
record Rejection(int index, String reason) {}

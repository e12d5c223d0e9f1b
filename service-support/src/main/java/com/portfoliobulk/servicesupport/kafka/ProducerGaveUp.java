package com.portfoliobulk.servicesupport.kafka;

import java.util.concurrent.CompletableFuture;

/**
 * Whether a send handed to the producer failed at once, before the record left it, for a reason that
 * is not the record's own size. The producer waits up to {@code max.block.ms} for what it needs before
 * it takes a record (the topic's metadata, room in its buffer) and then fails the send: a topic missing
 * from the broker (its creation refused for lack of rights, say) or a broker that does not answer makes
 * every send fail so, each after that wait. A loop that sends a batch's records one by one stops at the
 * first such failure, as the relay does: the records after it would fail the same way, and a batch of
 * thousands would hold its listener thread for thousands of waits, far past
 * {@code max.poll.interval.ms}. Its batch fails either way and is delivered (or sent) again.
 *
 * <p>A record refused as too large fails at once too, but only that record: its dead letter goes out
 * without its value ({@link DeadLetterWithoutValue}) and the loop goes on.
 */
public final class ProducerGaveUp {

    private ProducerGaveUp() {}

    /**
     * Whether {@code send}, just handed to the producer, failed already, and not for its record's size
     * ({@code null}, no send: false).
     */
    public static boolean on(CompletableFuture<?> send) {
        return send != null && send.isCompletedExceptionally() && !DeadLetterWithoutValue.tooLarge(send.exceptionNow());
    }
}

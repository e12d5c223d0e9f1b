package com.portfoliobulk.audit.log;

import com.portfoliobulk.contracts.AccountActivityEvent;
import java.time.Instant;
import java.util.UUID;

/**
 * An activity log entry about to be written: the event, its entry id and its sentence.
 *
 * @param entryId the entry's own id, made from where the event was read ({@link #entryId}), so that the
 *     entries of one time list in the order of their events on the topic
 * @param event the applied change; its {@code eventId} makes a redelivered event a duplicate
 * @param summary the sentence a person reads
 */
record NewActivityEntry(UUID entryId, AccountActivityEvent event, String summary) {

    /**
     * The entry for an event read at {@code offset} of {@code partition} of the activity topic.
     *
     * @throws InvalidActivityEventException when the event makes no sense
     */
    static NewActivityEntry of(AccountActivityEvent event, int partition, long offset) {
        return new NewActivityEntry(entryId(event.occurredAt(), partition, offset), event, ActivitySummary.of(event));
    }

    /**
     * The id of the entry of an event that occurred at {@code occurredAt} and was read at {@code offset} of
     * {@code partition}: a version 7 UUID (RFC 9562) whose time is the event's millisecond, whose 12 bits
     * after the version are the partition and whose 62 bits after the variant are the offset. The log
     * lists the entries of one time by id, so in the order of their events on the topic, which is the
     * order the worker applied them in (an account's events share a partition, keyed by the account, and
     * the worker sends those of a transaction in its order), whichever audit-consumer wrote them and
     * whatever its clock. The same event read again at the same place (a redelivery, a replay after a
     * restore) has the same id; an event published again (by the worker, or from the dead-letter topic)
     * has a later place, and is a duplicate when its entry is written already. Ids are unique as long as
     * the topic keeps its offsets and has at most 4,096 partitions; their time keeps a batch's entries at
     * the end of the log's primary key, as a clock's would.
     */
    static UUID entryId(Instant occurredAt, int partition, long offset) {
        // Wrapping arithmetic, never an exception, even for a time no long holds in milliseconds: only the
        // low 48 bits are kept, the same for the same time.
        long millis = occurredAt.getEpochSecond() * 1_000 + occurredAt.getNano() / 1_000_000;
        long mostSignificant = ((millis & 0xFFFF_FFFF_FFFFL) << 16) | 0x7000L | (partition & 0x0FFFL);
        long leastSignificant = (offset & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
        return new UUID(mostSignificant, leastSignificant);
    }
}

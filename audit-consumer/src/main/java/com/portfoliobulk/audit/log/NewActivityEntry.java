package com.portfoliobulk.audit.log;

import com.portfoliobulk.contracts.AccountActivityEvent;
import com.portfoliobulk.servicesupport.ids.TimeOrderedIds;
import java.util.UUID;

/**
 * An activity log entry about to be written: the event, a new entry id and its sentence.
 *
 * @param entryId the entry's own id, time-ordered ({@link TimeOrderedIds}), so a batch of entries
 *     extends the log's primary key at its end
 * @param event the applied change; its {@code eventId} makes a redelivered event a duplicate
 * @param summary the sentence a person reads
 */
record NewActivityEntry(UUID entryId, AccountActivityEvent event, String summary) {

    /**
     * The entry for an event.
     *
     * @throws InvalidActivityEventException when the event makes no sense
     */
    static NewActivityEntry of(AccountActivityEvent event) {
        return new NewActivityEntry(TimeOrderedIds.next(), event, ActivitySummary.of(event));
    }
}

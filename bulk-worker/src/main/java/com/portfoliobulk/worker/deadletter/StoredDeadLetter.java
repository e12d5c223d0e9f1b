package com.portfoliobulk.worker.deadletter;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;

/**
 * A dead letter as recorded.
 *
 * @param id its id, also in the dead letter's {@value DeadLetters#ID_HEADER} header
 * @param sourceTopic the topic the record was consumed from
 * @param sourcePartition its partition
 * @param sourceOffset its offset
 * @param key the record's key (the account id), U+0000 replaced by U+FFFD (see {@link DeadLetters})
 * @param value the record's value (the original bytes of an unreadable record); may be null, and is
 *     null in a listing, which does not read it
 * @param taskId the task it names: a readable record's, or the {@code taskId} of an unreadable one's
 *     JSON when it has a readable one
 * @param reason why it was dead-lettered
 * @param recordedAt when
 * @param publishedAt when the broker acknowledged the dead letter
 * @param redrivenAt when an operator re-drove it; null if never
 * @param redrivenBy who re-drove it
 * @param redriveReason why
 * @param dismissedAt when an operator dismissed it (closed it without sending anything); null if never
 * @param dismissedBy who dismissed it
 * @param dismissReason why
 */
public record StoredDeadLetter(
        UUID id,
        String sourceTopic,
        int sourcePartition,
        long sourceOffset,
        String key,
        @JsonIgnore byte[] value,
        UUID taskId,
        String reason,
        Instant recordedAt,
        Instant publishedAt,
        Instant redrivenAt,
        String redrivenBy,
        String redriveReason,
        Instant dismissedAt,
        String dismissedBy,
        String dismissReason) {

    /** The value as text, for operators. */
    public String valueText() {
        return value == null ? null : new String(value, StandardCharsets.UTF_8);
    }
}

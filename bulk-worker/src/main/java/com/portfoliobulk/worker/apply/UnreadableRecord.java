package com.portfoliobulk.worker.apply;

import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.core.log.LogAccessor;
import org.springframework.kafka.support.serializer.DeserializationException;
import org.springframework.kafka.support.serializer.SerializationUtils;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A task record the deserializer could not turn into a task (not JSON, or JSON that is not a valid
 * task), and whatever task id can still be read from it.
 *
 * @param failure why it could not be read
 * @param taskId the task it names, when its JSON has a readable {@code taskId}
 */
record UnreadableRecord(Exception failure, Optional<UUID> taskId) {

    private static final LogAccessor LOG = new LogAccessor(UnreadableRecord.class);

    /** The record as unreadable, or empty when it carries a task. */
    static Optional<UnreadableRecord> of(ConsumerRecord<?, ?> record, JsonMapper json) {
        if (record.value() != null) {
            return Optional.empty();
        }
        DeserializationException failure = SerializationUtils.getExceptionFromHeader(
                record, SerializationUtils.VALUE_DESERIALIZER_EXCEPTION_HEADER, LOG);
        if (failure == null) {
            return Optional.of(
                    new UnreadableRecord(new IllegalArgumentException("The record has no value"), Optional.empty()));
        }
        return Optional.of(new UnreadableRecord(failure, taskId(failure.getData(), json)));
    }

    private static Optional<UUID> taskId(byte[] data, JsonMapper json) {
        if (data == null) {
            return Optional.empty();
        }
        try {
            JsonNode taskId = json.readTree(data).path("taskId");
            return taskId.isString() ? Optional.of(UUID.fromString(taskId.asString())) : Optional.empty();
        } catch (JacksonException | IllegalArgumentException ex) {
            return Optional.empty();
        }
    }
}

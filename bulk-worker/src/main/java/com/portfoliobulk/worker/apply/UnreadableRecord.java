package com.portfoliobulk.worker.apply;

import com.portfoliobulk.contracts.ActorKind;
import com.portfoliobulk.contracts.BulkTaskMessage;
import com.portfoliobulk.contracts.TaskAction;
import java.util.Arrays;
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
 * task), and whatever ids can still be read from it: each only when its JSON has it as the text of a
 * UUID; one that is malformed is left out.
 *
 * @param failure why it could not be read
 * @param taskId the task it names, when its JSON has a readable {@code taskId}
 * @param jobId the job it names, when its JSON has a readable {@code jobId}
 * @param portfolioId the portfolio it names, when its JSON has a readable {@code portfolioId}
 * @param accountId the account it names, when its JSON has a readable {@code accountId}
 * @param newer whether a newer version wrote it: its schema version {@code v} is higher than this
 *     version's, or it has an enum value this version does not know (a task action, a requester
 *     kind). Its task is one this version cannot apply yet, not an invalid one.
 */
record UnreadableRecord(
        Exception failure,
        Optional<UUID> taskId,
        Optional<UUID> jobId,
        Optional<UUID> portfolioId,
        Optional<UUID> accountId,
        boolean newer) {

    private static final LogAccessor LOG = new LogAccessor(UnreadableRecord.class);

    /** The record as unreadable, or empty when it carries a task. */
    static Optional<UnreadableRecord> of(ConsumerRecord<?, ?> record, JsonMapper json) {
        if (record.value() != null) {
            return Optional.empty();
        }
        DeserializationException failure = SerializationUtils.getExceptionFromHeader(
                record, SerializationUtils.VALUE_DESERIALIZER_EXCEPTION_HEADER, LOG);
        if (failure == null) {
            return Optional.of(new UnreadableRecord(
                    new IllegalArgumentException("The record has no value"),
                    Optional.empty(),
                    Optional.empty(),
                    Optional.empty(),
                    Optional.empty(),
                    false));
        }
        JsonNode value = tree(failure.getData(), json);
        return Optional.of(new UnreadableRecord(
                failure,
                uuid(value, "taskId"),
                uuid(value, "jobId"),
                uuid(value, "portfolioId"),
                uuid(value, "accountId"),
                newer(value)));
    }

    private static JsonNode tree(byte[] data, JsonMapper json) {
        if (data == null) {
            return json.missingNode();
        }
        try {
            JsonNode tree = json.readTree(data);
            return tree == null ? json.missingNode() : tree;
        } catch (JacksonException ex) {
            return json.missingNode();
        }
    }

    private static Optional<UUID> uuid(JsonNode value, String field) {
        JsonNode id = value.path(field);
        try {
            return id.isString() ? Optional.of(UUID.fromString(id.asString())) : Optional.empty();
        } catch (IllegalArgumentException ex) {
            return Optional.empty();
        }
    }

    private static boolean newer(JsonNode value) {
        JsonNode version = value.path("v");
        return (version.isIntegralNumber() && version.asLong() > BulkTaskMessage.VERSION)
                || unknown(value.path("action"), TaskAction.class)
                || unknown(value.path("requestedBy").path("kind"), ActorKind.class);
    }

    /** Whether the node is a name that none of the enum's constants has. */
    private static boolean unknown(JsonNode node, Class<? extends Enum<?>> type) {
        return node.isString()
                && Arrays.stream(type.getEnumConstants())
                        .noneMatch(constant -> constant.name().equals(node.asString()));
    }
}

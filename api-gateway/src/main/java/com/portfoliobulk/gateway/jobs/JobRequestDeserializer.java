package com.portfoliobulk.gateway.jobs;

import com.portfoliobulk.contracts.JobType;
import com.portfoliobulk.contracts.Quoted;
import java.util.Arrays;
import java.util.stream.Collectors;
import tools.jackson.core.JsonParser;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.node.ObjectNode;

/**
 * Reads a {@link JobRequest}: {@code type} chooses the record; for {@code UPDATE_ROLES} the fields
 * present choose the form. Mixing both forms of {@code UPDATE_ROLES} is refused rather than guessed.
 */
final class JobRequestDeserializer extends ValueDeserializer<JobRequest> {

    private static final String TYPES =
            Arrays.stream(JobType.values()).map(Enum::name).collect(Collectors.joining(", "));

    @Override
    public JobRequest deserialize(JsonParser parser, DeserializationContext context) {
        JsonNode tree = context.readTree(parser);
        if (!(tree instanceof ObjectNode body)) {
            throw MismatchedInputException.from(
                    parser, JobRequest.class, "A job request must be a JSON object with a 'type'");
        }
        ObjectNode fields = body.deepCopy();
        JsonNode type = fields.remove("type");
        if (type == null || type.isNull()) {
            throw mismatch(parser, body, "is required: one of " + TYPES);
        }
        if (!type.isString()) {
            throw mismatch(parser, body, "must be a string: one of " + TYPES);
        }
        Class<? extends JobRequest> target = switch (type.asString()) {
            case "INVITE_USERS" -> InviteUsers.class;
            case "UPDATE_ROLES" -> updateRolesForm(parser, fields);
            case "REMOVE_ACCESS" -> RemoveAccess.class;
            case "OFFBOARD_USERS" -> OffboardUsers.class;
            case "RESEND_INVITATIONS" -> ResendInvitations.class;
            case "REVOKE_INVITATIONS" -> RevokeInvitations.class;
            default -> throw mismatch(parser, body, Quoted.of(type.asString()) + " is not one of " + TYPES);
        };
        return context.readTreeAsValue(fields, target);
    }

    private static Class<? extends JobRequest> updateRolesForm(JsonParser parser, ObjectNode fields) {
        boolean byAssignment = fields.has("assignments");
        boolean bySelection = fields.has("userIds") || fields.has("accountIds") || fields.has("role");
        if (byAssignment && bySelection) {
            throw (MismatchedInputException) MismatchedInputException.from(
                            parser,
                            JobRequest.class,
                            "UPDATE_ROLES takes either 'assignments' or 'userIds', 'accountIds' and 'role', not both")
                    .prependPath(fields, "assignments");
        }
        return byAssignment ? UpdateRolesByAssignment.class : UpdateRolesBySelection.class;
    }

    private static MismatchedInputException mismatch(JsonParser parser, Object body, String message) {
        return (MismatchedInputException)
                MismatchedInputException.from(parser, JobRequest.class, message).prependPath(body, "type");
    }
}

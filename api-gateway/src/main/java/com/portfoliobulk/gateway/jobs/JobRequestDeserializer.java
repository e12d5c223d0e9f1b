package com.portfoliobulk.gateway.jobs;

import com.portfoliobulk.contracts.JobType;
import com.portfoliobulk.contracts.Quoted;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.exc.MismatchedInputException;

/**
 * Reads a {@link JobRequest}: {@code type} chooses the record; for {@code UPDATE_ROLES} the fields
 * present choose the form. Mixing both forms of {@code UPDATE_ROLES} is refused rather than guessed.
 *
 * <p>{@code type} may come anywhere in the object, so the request's other fields are first copied,
 * as JSON text, into a buffer of about the body's size, and the chosen record is then read from that
 * buffer. A tree of the body takes far more memory than the body and the record together: a 5 MB
 * body of 1.7 million empty assignments made a tree of over 400 MB (about 50 MB are needed this
 * way), so that three such bodies at once could exhaust the gateway's heap. As with a tree, the
 * whole body is read before anything is refused, so a body that is not well-formed JSON is refused
 * as such wherever its flaw is, and {@code type} and the form are checked before the fields. A
 * field nested deeper or with a longer number than the parser takes is refused naming the field.
 */
final class JobRequestDeserializer extends ValueDeserializer<JobRequest> {

    private static final String TYPES =
            Arrays.stream(JobType.values()).map(Enum::name).collect(Collectors.joining(", "));

    @Override
    public JobRequest deserialize(JsonParser parser, DeserializationContext context) {
        if (!parser.hasToken(JsonToken.START_OBJECT)
                && !parser.hasToken(JsonToken.PROPERTY_NAME)
                && !parser.hasToken(JsonToken.END_OBJECT)) {
            // Read to its end first, as a tree would: a value that is not well-formed is refused as such.
            parser.skipChildren();
            throw MismatchedInputException.from(
                    parser, JobRequest.class, "A job request must be a JSON object with a 'type'");
        }
        Fields fields = new Fields();
        JsonToken type = null;
        String typeName = null;
        try (JsonGenerator copy = context.tokenStreamFactory().createGenerator(ObjectWriteContext.empty(), fields)) {
            copy.writeStartObject();
            String name = null;
            JsonToken token = parser.hasToken(JsonToken.START_OBJECT) ? nextField(parser, null) : parser.currentToken();
            for (; token == JsonToken.PROPERTY_NAME; token = nextField(parser, name)) {
                name = parser.currentName();
                try {
                    JsonToken value = parser.nextToken();
                    if (name.equals("type")) {
                        type = value;
                        typeName = value == JsonToken.VALUE_STRING ? parser.getString() : null;
                        parser.skipChildren();
                    } else {
                        fields.seen(name);
                        copy.writeName(name);
                        copy.copyCurrentStructureExact(parser);
                    }
                } catch (StreamConstraintsException limit) {
                    // Read here, outside any record, a value past the parser's limits would name no field.
                    throw limit.prependPath(JobRequest.class, name);
                }
            }
            copy.writeEndObject();
        }
        if (type == null || type == JsonToken.VALUE_NULL) {
            throw mismatch(parser, "is required: one of " + TYPES);
        }
        if (typeName == null) {
            throw mismatch(parser, "must be a string: one of " + TYPES);
        }
        Class<? extends JobRequest> target = switch (typeName) {
            case "INVITE_USERS" -> InviteUsers.class;
            case "UPDATE_ROLES" -> updateRolesForm(parser, fields);
            case "REMOVE_ACCESS" -> RemoveAccess.class;
            case "OFFBOARD_USERS" -> OffboardUsers.class;
            case "RESEND_INVITATIONS" -> ResendInvitations.class;
            case "REVOKE_INVITATIONS" -> RevokeInvitations.class;
            default -> throw mismatch(parser, Quoted.of(typeName) + " is not one of " + TYPES);
        };
        try (JsonParser record = context.tokenStreamFactory().createParser(context, fields.read())) {
            record.nextToken();
            return context.readValue(record, target);
        }
    }

    /**
     * The token after the field {@code previous}: the next field's name, or the object's end. The
     * parser reads a number with the name before it, so a number longer than the parser takes fails
     * here, once the parser has the new name, which the refusal then names; a name longer than the
     * parser takes fails before it has the name, and names no field.
     */
    private static JsonToken nextField(JsonParser parser, String previous) {
        try {
            return parser.nextToken();
        } catch (StreamConstraintsException limit) {
            String name = parser.streamReadContext().currentName();
            throw name == null || name.equals(previous) ? limit : limit.prependPath(JobRequest.class, name);
        }
    }

    private static Class<? extends JobRequest> updateRolesForm(JsonParser parser, Fields fields) {
        if (fields.byAssignment && fields.bySelection) {
            throw (MismatchedInputException) MismatchedInputException.from(
                            parser,
                            JobRequest.class,
                            "UPDATE_ROLES takes either 'assignments' or 'userIds', 'accountIds' and 'role', not both")
                    .prependPath(JobRequest.class, "assignments");
        }
        return fields.byAssignment ? UpdateRolesByAssignment.class : UpdateRolesBySelection.class;
    }

    private static MismatchedInputException mismatch(JsonParser parser, String message) {
        return (MismatchedInputException)
                MismatchedInputException.from(parser, JobRequest.class, message).prependPath(JobRequest.class, "type");
    }

    /**
     * The request's fields but {@code type}, as JSON text in blocks of 64 KiB (so that it never needs
     * one large array, nor a copy of one as it grows), and which form of {@code UPDATE_ROLES} they are.
     */
    private static final class Fields extends OutputStream {

        private static final int BLOCK = 64 * 1024;

        private final List<byte[]> blocks = new ArrayList<>();

        private int used = BLOCK;

        boolean byAssignment;

        boolean bySelection;

        void seen(String name) {
            byAssignment |= name.equals("assignments");
            bySelection |= name.equals("userIds") || name.equals("accountIds") || name.equals("role");
        }

        @Override
        public void write(int b) {
            if (used == BLOCK) {
                blocks.add(new byte[BLOCK]);
                used = 0;
            }
            blocks.getLast()[used++] = (byte) b;
        }

        @Override
        public void write(byte[] bytes, int offset, int length) {
            while (length > 0) {
                if (used == BLOCK) {
                    blocks.add(new byte[BLOCK]);
                    used = 0;
                }
                int n = Math.min(length, BLOCK - used);
                System.arraycopy(bytes, offset, blocks.getLast(), used, n);
                used += n;
                offset += n;
                length -= n;
            }
        }

        /** The text written, read once: each block is let go of as soon as it has been read. */
        InputStream read() {
            return new InputStream() {

                private int block;

                private int at;

                @Override
                public int read() {
                    byte[] one = new byte[1];
                    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
                }

                @Override
                public int read(byte[] bytes, int offset, int length) {
                    while (block < blocks.size()) {
                        int end = block == blocks.size() - 1 ? used : BLOCK;
                        if (at < end) {
                            int n = Math.min(length, end - at);
                            System.arraycopy(blocks.get(block), at, bytes, offset, n);
                            at += n;
                            return n;
                        }
                        // A block read is no longer needed while the record is being built.
                        blocks.set(block++, null);
                        at = 0;
                    }
                    return length == 0 ? 0 : -1;
                }
            };
        }
    }
}

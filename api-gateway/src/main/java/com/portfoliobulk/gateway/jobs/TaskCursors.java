package com.portfoliobulk.gateway.jobs;

import com.portfoliobulk.contracts.paging.Cursor;
import com.portfoliobulk.contracts.paging.InvalidPageRequestException;
import com.portfoliobulk.gateway.security.AesGcm;
import com.portfoliobulk.gateway.web.DerivedKeys;
import com.portfoliobulk.internalauth.SharedKeys;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.Optional;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * The cursors of a job's task list. A page ends at a task's position in the task table, a number
 * counted over the tasks of every portfolio's jobs: in clear, the positions of two of its jobs would
 * tell a client how many tasks all portfolios submitted in between. Each cursor therefore carries
 * the position encrypted with the job's id ({@link AesGcm}, a key of its own from {@link DerivedKeys},
 * so every gateway instance reads the others' cursors, also while the shared secret is rotated), a
 * fresh nonce each time, so that two cursors tell nothing of one another. A cursor that does not
 * open, or that another job's list made, is refused with the paging 400 naming {@code cursor}.
 */
@Component
class TaskCursors {

    /** The purpose of the key ({@link DerivedKeys}). */
    static final String PURPOSE = "Portfolio Bulk Access task cursor v1";

    /** The job's id (two longs) and the task's position. */
    private static final int PLAIN_BYTES = 3 * Long.BYTES;

    private final SharedKeys<AesGcm> keys;

    TaskCursors(DerivedKeys keys) {
        this.keys = keys.aesKeys(PURPOSE).map(AesGcm::new);
    }

    /** The cursor after the task at {@code seq} of the job's list. */
    Cursor after(UUID jobId, long seq) {
        byte[] plain = ByteBuffer.allocate(PLAIN_BYTES)
                .putLong(jobId.getMostSignificantBits())
                .putLong(jobId.getLeastSignificantBits())
                .putLong(seq)
                .array();
        return Cursor.of(
                Cursor.list(JobProgress.TASKS, jobId),
                Base64.getUrlEncoder()
                        .withoutPadding()
                        .encodeToString(keys.current().seal(plain)));
    }

    /**
     * The position of the task a cursor of the job's list ends at.
     *
     * @throws InvalidPageRequestException naming {@code cursor} when the cursor was not made by this
     *     job's list
     */
    long seq(UUID jobId, Cursor after) {
        byte[] sealed;
        try {
            sealed = Base64.getUrlDecoder().decode(after.text(0));
        } catch (IllegalArgumentException ex) {
            throw InvalidPageRequestException.cursor();
        }
        if (after.values().size() != 1) {
            throw InvalidPageRequestException.cursor();
        }
        ByteBuffer plain = keys.all().stream()
                .map(key -> key.open(sealed))
                .flatMap(Optional::stream)
                .filter(bytes -> bytes.length == PLAIN_BYTES)
                .map(ByteBuffer::wrap)
                .findFirst()
                .orElseThrow(InvalidPageRequestException::cursor);
        if (plain.getLong() != jobId.getMostSignificantBits() || plain.getLong() != jobId.getLeastSignificantBits()) {
            throw InvalidPageRequestException.cursor();
        }
        return plain.getLong();
    }
}

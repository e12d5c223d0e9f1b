package com.portfoliobulk.servicesupport.ids;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Version 7 UUIDs (RFC 9562): the first 48 bits are the time in milliseconds, the 74 bits after the
 * version and variant are random. Rows keyed by them sit in their index in the order they were made,
 * so a table that receives many of them extends its primary key (and any index led by the id) at its
 * end instead of touching a page at random per row. They are identifiers, not secrets.
 *
 * <p>Used for activity entries (written a batch at a time) and for jobs, whose id also starts the ids
 * of their tasks: a job's 100,000 tasks then go in at the end of the task indexes led by the job.
 */
public final class TimeOrderedIds {

    private TimeOrderedIds() {}

    /** A new id of this millisecond. */
    public static UUID next() {
        return at(System.currentTimeMillis());
    }

    /** A new id of the given millisecond. */
    public static UUID at(long epochMillis) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long mostSignificant = (epochMillis << 16) | 0x7000L | (random.nextLong() & 0x0FFFL);
        long leastSignificant = (random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
        return new UUID(mostSignificant, leastSignificant);
    }
}

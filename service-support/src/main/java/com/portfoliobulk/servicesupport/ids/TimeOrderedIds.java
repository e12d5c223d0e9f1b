package com.portfoliobulk.servicesupport.ids;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Version 7 UUIDs (RFC 9562): the first 48 bits are the time in milliseconds; the 12 bits after the
 * version are a counter within the millisecond ({@link #next}: ids made one after another in this
 * process sort in that order, RFC 9562's method 1) and the 62 after the variant are random. Rows
 * keyed by them sit in their index in the order they were made, so a table that receives many of
 * them extends its primary key (and any index led by the id) at its end instead of touching a page at
 * random per row. They are identifiers, not secrets.
 *
 * <p>Used for jobs, whose id also starts the ids of their tasks: a job's 100,000 tasks then go in at the
 * end of the task indexes led by the job. Not for what must sort the same whichever process made it: the
 * clocks of two processes differ.
 */
public final class TimeOrderedIds {

    /** The last id's millisecond and counter, {@code millis << 12 | counter}. */
    private static final AtomicLong LAST = new AtomicLong();

    private TimeOrderedIds() {}

    /**
     * A new id of this millisecond, after every id this process made before. A new millisecond starts
     * its counter at a random value below 2,048, leaving at least 2,048 ids for it; an id past those
     * takes the next millisecond's time.
     */
    public static UUID next() {
        long now = System.currentTimeMillis();
        long start = (now << 12) | ThreadLocalRandom.current().nextLong(2_048);
        long made = LAST.updateAndGet(last -> start > last ? start : last + 1);
        long mostSignificant = ((made >>> 12) << 16) | 0x7000L | (made & 0x0FFFL);
        long leastSignificant =
                (ThreadLocalRandom.current().nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
        return new UUID(mostSignificant, leastSignificant);
    }

    /** A new id of the given millisecond. */
    public static UUID at(long epochMillis) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long mostSignificant = (epochMillis << 16) | 0x7000L | (random.nextLong() & 0x0FFFL);
        long leastSignificant = (random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
        return new UUID(mostSignificant, leastSignificant);
    }
}

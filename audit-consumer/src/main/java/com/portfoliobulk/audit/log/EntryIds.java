package com.portfoliobulk.audit.log;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * New activity entry ids: version 7 UUIDs (RFC 9562), whose first 48 bits are the time in
 * milliseconds, so entries written together sit together in the log's primary key, which a batch
 * then extends at its end instead of touching a page at random per entry. The other 74 bits are
 * random; an entry id is an identifier, not a secret.
 */
final class EntryIds {

    private EntryIds() {}

    static UUID next() {
        return at(System.currentTimeMillis());
    }

    static UUID at(long epochMillis) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long mostSignificant = (epochMillis << 16) | 0x7000L | (random.nextLong() & 0x0FFFL);
        long leastSignificant = (random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
        return new UUID(mostSignificant, leastSignificant);
    }
}

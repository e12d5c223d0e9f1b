package com.portfoliobulk.gateway.webhooks;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** The gateway's clock in the webhook tests: the system's, or off by what a test sets, as a gateway's may be. */
final class ShiftedClock extends Clock {

    private volatile Duration offset = Duration.ZERO;

    /** From now on the clock is {@code offset} off the system's: ahead, or behind when negative. */
    void shift(Duration offset) {
        this.offset = offset;
    }

    @Override
    public Instant instant() {
        return Instant.now().plus(offset);
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("The gateway's clock is read in UTC");
    }
}

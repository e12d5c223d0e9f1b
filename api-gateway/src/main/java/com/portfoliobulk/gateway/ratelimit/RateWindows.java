package com.portfoliobulk.gateway.ratelimit;

import java.time.Duration;
import java.util.UUID;

/** Where the gateways count each portfolio's requests of a kind in fixed windows. */
interface RateWindows {

    /**
     * Counts one request of {@code kind} for the portfolio in its current window, starting a window of
     * {@code period} if the last one has ended.
     *
     * @return the requests counted in the window so far, this one included, and how long it has left
     * @throws Unavailable when the count cannot be taken in time
     */
    Window take(UUID portfolioId, String kind, Duration period);

    /**
     * The state of a window after a request was counted.
     *
     * @param requests the requests counted in the window, this one included (also those refused)
     * @param left how long until the window ends and a new one starts with the next request
     */
    record Window(long requests, Duration left) {}

    /** The windows could not be read or written in time: the database is down, slow or overloaded. */
    final class Unavailable extends RuntimeException {

        Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }
}

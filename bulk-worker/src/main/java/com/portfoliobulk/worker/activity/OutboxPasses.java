package com.portfoliobulk.worker.activity;

import java.util.function.IntSupplier;
import org.slf4j.Logger;

/** How the worker's scheduled passes over a table of work to publish (an outbox, a sweep) run. */
public final class OutboxPasses {

    private OutboxPasses() {}

    /**
     * Runs {@code pass} again as long as it takes a whole batch, so a backlog is worked off in one
     * scheduled run; a failure is logged as a warning and leaves the rest to the next run.
     *
     * @param pass one transaction's work, answering how many rows it took
     * @param batch the most rows one pass takes
     * @param waiting what waits when a pass fails ("Link changes wait to be logged until the next pass")
     */
    public static void drain(IntSupplier pass, int batch, Logger log, String waiting) {
        try {
            int taken;
            do {
                taken = pass.getAsInt();
            } while (taken == batch);
        } catch (RuntimeException ex) {
            log.warn("{}: {}", waiting, ex.toString());
        }
    }
}

package com.portfoliobulk.gateway.jobs;

import java.util.UUID;
import java.util.function.Supplier;

/**
 * Bounds how many of one portfolio's submissions, previews and cancellations a gateway runs at once: each
 * holds one of the gateway's database connections while it plans its job and stores it (an insert of up
 * to the task cap), walks its whole plan, or cancels every pending task of a job (an update of up to the
 * task cap, which also waits for the worker's batches holding some of them), so that one portfolio's many
 * at once cannot take every connection from the other portfolios. The rate limits' {@code bulk.gateway.rate-limit.max-concurrent-per-portfolio}
 * sets the bound.
 */
public interface PortfolioConcurrencyLimit {

    /** What a portfolio runs within its bound. */
    enum Work {
        /** Planning and storing a new job. */
        SUBMISSION,
        /** Walking the plan of a job's preview. */
        PREVIEW,
        /** Cancelling a job at a caller's request: every pending task of it, in one transaction. */
        CANCELLATION
    }

    /**
     * Runs {@code task} as one of the portfolio's, waiting briefly while as many of them as the bound
     * allows are running.
     *
     * @return what {@code task} answers
     * @throws com.portfoliobulk.gateway.web.RequestRefusedException UNAVAILABLE (503), with {@code
     *     Retry-After}, when none of them ended within the wait; {@code task} has not run
     */
    <T> T run(UUID portfolioId, Work work, Supplier<T> task);
}

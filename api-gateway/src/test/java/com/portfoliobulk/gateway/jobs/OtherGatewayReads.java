package com.portfoliobulk.gateway.jobs;

import java.util.Optional;
import java.util.UUID;
import org.springframework.context.ApplicationContext;

/**
 * For tests outside this package: what the status cache of another gateway holds, a read of a job
 * from before a change made through this one (a gateway forgets only the jobs it changed itself).
 */
public final class OtherGatewayReads {

    private OtherGatewayReads() {}

    /** The job as a status poll reads it now. */
    public static Read read(ApplicationContext gateway, UUID portfolioId, UUID jobId) {
        return new Read(
                gateway.getBean(Jobs.class).findForStatus(portfolioId, jobId).orElseThrow());
    }

    /**
     * Keeps {@code read} in this gateway's status cache as if read just now (it holds nothing newer of
     * the job), as a gateway that read the job before another changed it: for the cache's time to live.
     */
    public static void keep(ApplicationContext gateway, Read read) {
        gateway.getBean(JobStatusCache.class)
                .job(read.job().portfolioId(), read.job().id(), () -> Optional.of(read.job()));
    }

    /** A job as read for a status poll. */
    public record Read(Job job) {}
}

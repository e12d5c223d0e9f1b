package com.portfoliobulk.gateway.portfolio;

import com.portfoliobulk.gateway.jobs.JobCancellation;
import com.portfoliobulk.gateway.security.StoredPermissions;
import com.portfoliobulk.servicesupport.logging.LogContext;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Removes, every hour with the retention, the portfolio roles that a gateway of an earlier version left
 * to users the identity provider deactivated or deleted over SCIM ({@code
 * jobs.remove_deprovisioned_portfolio_users()}, V188): during an upgrade the new migrations run first
 * and the gateways of the version before go on answering SCIM until the new ones replace them, and
 * those offboard a leaver but leave their portfolio role, which no later request removes (identity
 * providers send a deprovisioning once). This version removes the role in the deprovisioning's own
 * transaction ({@link PortfolioAdministration#removeDeprovisioned}), so a run finds nothing else. A role
 * an administrator gave or changed after the deprovisioning is kept; the administration log names each
 * removal by the identity provider. The jobs those users submitted in the portfolio that are still
 * queued or in progress are cancelled in the same transaction, as a removal through this version cancels
 * them ({@link JobCancellation#cancelSubmittedByFormerUsers}), and an INFO line names them by id.
 *
 * <p>A run is one transaction, which first takes its turn with a PostgreSQL advisory lock: while one
 * gateway runs, the others' runs find it taken and leave the work to it.
 */
@Component
class DeprovisionedUsersSweep {

    private static final Logger log = LoggerFactory.getLogger(DeprovisionedUsersSweep.class);

    private final JdbcClient jdbc;

    private final StoredPermissions permissions;

    private final TransactionTemplate transaction;

    private final JobCancellation cancellation;

    DeprovisionedUsersSweep(
            JdbcClient jdbc,
            StoredPermissions permissions,
            PlatformTransactionManager transactions,
            JobCancellation cancellation) {
        this.jdbc = jdbc;
        this.permissions = permissions;
        this.cancellation = cancellation;
        this.transaction = new TransactionTemplate(transactions);
    }

    @Scheduled(
            initialDelayString = "${bulk.gateway.retention.initial-delay:1m}",
            fixedDelayString = "${bulk.gateway.retention.interval:1h}")
    void scheduled() {
        try {
            sweep();
        } catch (RuntimeException ex) {
            log.warn("The removal of deprovisioned users' portfolio roles failed; it runs again later", ex);
        }
    }

    /**
     * Removes the portfolio roles deprovisioned users still hold; answers how many it removed (none
     * when another gateway is running it at this moment).
     */
    int sweep() {
        Map<UUID, List<UUID>> cancelledJobs = new LinkedHashMap<>();
        List<UUID> removed = transaction.execute(status -> {
            boolean turn = jdbc.sql("SELECT pg_try_advisory_xact_lock(hashtext('portfolio: deprovisioned users'))")
                    .query(Boolean.class)
                    .single();
            if (!turn) {
                return List.of();
            }
            List<UUID> users = jdbc.sql("SELECT * FROM jobs.remove_deprovisioned_portfolio_users()")
                    .query(UUID.class)
                    .list();
            // Their tasks' and jobs' rows after the portfolio user rows, as a removal through the API takes them.
            cancelledJobs.putAll(cancellation.cancelSubmittedByFormerUsers(users));
            users.forEach(permissions::forget);
            return users;
        });
        cancelledJobs.forEach((portfolioId, jobIds) -> {
            try (LogContext context = LogContext.open().put(LogContext.PORTFOLIO_ID, portfolioId)) {
                log.info(
                        "Change of portfolio {} by the removal of deprovisioned users' portfolio roles: job(s) {}"
                                + " cancelled, submitted by a portfolio user it removed",
                        portfolioId,
                        jobIds.stream().map(UUID::toString).collect(Collectors.joining(", ")));
            }
        });
        if (!removed.isEmpty()) {
            log.warn(
                    "Removed the portfolio role of {} user(s) whom the identity provider deprovisioned through a"
                            + " gateway of an earlier version, which left it (see the portfolios' administration logs)",
                    removed.size());
        }
        return removed.size();
    }
}

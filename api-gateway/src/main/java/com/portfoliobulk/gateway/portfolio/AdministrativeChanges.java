package com.portfoliobulk.gateway.portfolio;

import com.portfoliobulk.contracts.Actor;
import com.portfoliobulk.contracts.ActorKind;
import com.portfoliobulk.gateway.security.Caller;
import com.portfoliobulk.servicesupport.logging.LogContext;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The line each gateway logs, at INFO, for an administrative change that takes access away (a SCIM
 * token revoked, a portfolio user removed or their role changed, a webhook subscription deleted or
 * disabled, its secret rotated, an Owner transfer offered, withdrawn or accepted, an account
 * unlinked, the unfinished jobs of a removed portfolio user cancelled), and for the changes that undo
 * one (a portfolio user added, a subscription enabled, an account linked), so that a restore re-applies the latest of them rather than an undone one, as it logs every cancel ({@code JobCancellation}) and close: these
 * changes are written to the database alone, so a restore of the database to a moment before one
 * undoes it and nothing there says it was made. The restore procedure lists these lines to make them
 * again. One shape for all: {@code Change of portfolio <portfolioId> at the request of user <userId>:
 * <change>}, the caller named by the user id of their token's {@code sub}, never by their address, and
 * the change by ids and role codes only. A change the identity provider's deprovisioning made names it
 * instead of a user: {@code at the request of the identity provider (SCIM token <tokenId>)}.
 */
public final class AdministrativeChanges {

    private static final Logger log = LoggerFactory.getLogger(AdministrativeChanges.class);

    private AdministrativeChanges() {}

    /**
     * Logs the change once it is made: when the transaction it was made in commits (nothing when it is
     * rolled back), at once when there is none (the change has committed already).
     *
     * @param change what changed, by ids, e.g. {@code SCIM token <tokenId> revoked}
     */
    public static void made(UUID portfolioId, Caller caller, String change) {
        made(portfolioId, "user " + caller.userId(), change);
    }

    /** As {@link #made(UUID, Caller, String)}, by an administrator or the identity provider. */
    public static void made(UUID portfolioId, Actor actor, String change) {
        made(
                portfolioId,
                actor.kind() == ActorKind.IDENTITY_PROVIDER
                        ? "the identity provider (SCIM token " + actor.userId() + ")"
                        : "user " + actor.userId(),
                change);
    }

    private static void made(UUID portfolioId, String requestedBy, String change) {
        if (TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCommit() {
                    log(portfolioId, requestedBy, change);
                }
            });
        } else {
            log(portfolioId, requestedBy, change);
        }
    }

    private static void log(UUID portfolioId, String requestedBy, String change) {
        try (LogContext context = LogContext.open().put(LogContext.PORTFOLIO_ID, portfolioId)) {
            log.info("Change of portfolio {} at the request of {}: {}", portfolioId, requestedBy, change);
        }
    }
}

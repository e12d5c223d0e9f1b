package com.portfoliobulk.audit.log;

import com.portfoliobulk.contracts.AccountActivityEvent;
import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.ActivityAction;
import com.portfoliobulk.contracts.Actor;
import com.portfoliobulk.contracts.ActorKind;
import com.portfoliobulk.contracts.InitiationLevel;
import com.portfoliobulk.contracts.OneLineNames;
import com.portfoliobulk.contracts.UserRef;

/**
 * The sentence a person reads in an account's activity log, e.g. "Role of ann@x.com changed from
 * Analyst to Manager by admin@agency.com from the portfolio level", or for a SCIM deprovisioning
 * "Access of ann@x.com (Analyst) removed by your identity provider from the portfolio level".
 */
final class ActivitySummary {

    private ActivitySummary() {}

    /**
     * The sentence for one applied change.
     *
     * @throws InvalidActivityEventException when the event lacks a role its action needs (an
     *     invitation and its acceptance need the new role, a role change both, a removal the previous one)
     */
    static String of(AccountActivityEvent event) {
        String by = "by " + name(event.actor()) + " " + level(event.initiatedFrom());
        if (event.action().isLinkChange()) {
            return (event.action() == ActivityAction.ACCOUNT_LINKED
                            ? "Account linked to portfolio %s %s"
                            : "Account unlinked from portfolio %s %s")
                    .formatted(event.portfolioId(), by);
        }
        if (event.targetUser() == null) {
            throw new InvalidActivityEventException("The event has no targetUser, which its action needs");
        }
        String target = name(event.targetUser());
        return switch (event.action()) {
            case ACCOUNT_LINKED, ACCOUNT_UNLINKED -> throw new IllegalStateException("handled above");
            case USER_INVITED -> "%s was invited as %s %s".formatted(target, newRole(event), by);
            case ROLE_CHANGED ->
                "Role of %s changed from %s to %s %s".formatted(target, previousRole(event), newRole(event), by);
            case ACCESS_REMOVED -> "Access of %s (%s) removed %s".formatted(target, previousRole(event), by);
            case INVITATION_RESENT -> "Invitation of %s%s sent again %s".formatted(target, offered(event), by);
            case INVITATION_REVOKED -> "Invitation of %s%s revoked %s".formatted(target, offered(event), by);
            case INVITATION_EXPIRED -> "Invitation of %s%s expired unaccepted".formatted(target, offered(event));
            case INVITATION_ACCEPTED -> "%s accepted the invitation and is now %s".formatted(target, newRole(event));
        };
    }

    /** The role the invitation offered, when the event tells it: " (Analyst)". */
    private static String offered(AccountActivityEvent event) {
        if (event.previousRole() != null) {
            return " (" + previousRole(event) + ")";
        }
        return event.newRole() == null ? "" : " (" + newRole(event) + ")";
    }

    private static String previousRole(AccountActivityEvent event) {
        return role(event.previousRole(), event.previousRoleName(), "previousRole");
    }

    private static String newRole(AccountActivityEvent event) {
        return role(event.newRole(), event.newRoleName(), "newRole");
    }

    private static String name(UserRef user) {
        return user.email() == null || user.email().isBlank() ? user.userId().toString() : user.email();
    }

    private static String name(Actor actor) {
        if (actor.kind() == ActorKind.IDENTITY_PROVIDER) {
            return "your identity provider";
        }
        return actor.email().isBlank() ? actor.userId().toString() : actor.email();
    }

    private static String level(InitiationLevel level) {
        return switch (level) {
            case PORTFOLIO -> "from the portfolio level";
        };
    }

    /** A standard role's name, or a custom role's as its portfolio configured it (when the event tells it). */
    private static String role(AccountRole role, String configuredName, String field) {
        if (role == null) {
            throw new InvalidActivityEventException("The event has no " + field + ", which its action needs");
        }
        return role.isStandard() || configuredName == null || configuredName.isBlank()
                ? role.displayName()
                : OneLineNames.shown(configuredName);
    }
}

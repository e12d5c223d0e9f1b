package com.portfoliobulk.rules;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.MembershipState;
import com.portfoliobulk.contracts.ReasonCode;
import com.portfoliobulk.contracts.TaskAction;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Decides whether one task changes the directory or is skipped, and why (the README's "Rules" table).
 *
 * <p>Checks run in a fixed order so that a pair matching several rules always gets the same reason:
 * account unlinked, IdP-managed user, then the action's own rules (Owner protection before "no
 * change"). An expired invitation counts as no access: it can be re-invited, and it cannot be
 * changed, removed, resent or revoked. Only a pending invitation can be resent or revoked; anything
 * else (active access included) is skipped {@code NOT_A_PENDING_INVITATION}. An invitation or a
 * resend that would apply, but would queue an invitee who already had the day's most invitation
 * e-mails of the portfolio one more, is skipped {@code MAIL_LIMIT_REACHED}, last.
 */
public final class AccessRules {

    private AccessRules() {}

    /**
     * @param action what the task does
     * @param requestedRole the role to grant; {@code null} for actions that grant none (remove, resend,
     *     revoke)
     * @param target the directory as it is now
     * @param now the decision time, to tell pending invitations from expired ones
     */
    public static Decision decide(TaskAction action, AccountRole requestedRole, TargetSnapshot target, Instant now) {
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(now, "now");
        if (action.grantsRole()) {
            Objects.requireNonNull(requestedRole, "requestedRole");
        }
        if (!target.accountInPortfolio()) {
            return Decision.skip(ReasonCode.ACCOUNT_NOT_IN_PORTFOLIO);
        }
        if (target.userIdpManaged()) {
            return Decision.skip(ReasonCode.IDP_MANAGED);
        }
        if (requestedRole != null && requestedRole.isOwner()) {
            // The API rejects OWNER as a target role; a task that still carries it grants nothing.
            return Decision.skip(ReasonCode.OWNER_PROTECTED);
        }
        Optional<CurrentMembership> current = target.membership().filter(m -> m.isInForceAt(now));
        return switch (action) {
            case INVITE -> current.isPresent() ? Decision.skip(ReasonCode.ALREADY_MEMBER) : mailed(target);
            case CHANGE_ROLE ->
                current.map(m -> decideRoleChange(m, requestedRole)).orElse(Decision.skip(ReasonCode.NOT_A_MEMBER));
            case REMOVE -> current.map(AccessRules::decideRemoval).orElse(Decision.skip(ReasonCode.NOT_A_MEMBER));
            case RESEND_INVITATION ->
                current.filter(m -> m.state() == MembershipState.INVITED).isPresent()
                        ? mailed(target)
                        : Decision.skip(ReasonCode.NOT_A_PENDING_INVITATION);
            case REVOKE_INVITATION ->
                current.filter(m -> m.state() == MembershipState.INVITED).isPresent()
                        ? Decision.change()
                        : Decision.skip(ReasonCode.NOT_A_PENDING_INVITATION);
        };
    }

    /** An invitation or a resend that applies, unless its e-mail would be one too many for the invitee. */
    private static Decision mailed(TargetSnapshot target) {
        return target.mailLimitReached() ? Decision.skip(ReasonCode.MAIL_LIMIT_REACHED) : Decision.change();
    }

    private static Decision decideRoleChange(CurrentMembership current, AccountRole requestedRole) {
        if (current.role().isOwner()) {
            return Decision.skip(ReasonCode.OWNER_PROTECTED);
        }
        if (current.role().equals(requestedRole)) {
            return Decision.skip(ReasonCode.NO_CHANGE);
        }
        return Decision.change();
    }

    private static Decision decideRemoval(CurrentMembership current) {
        return current.role().isOwner() ? Decision.skip(ReasonCode.OWNER_PROTECTED) : Decision.change();
    }
}

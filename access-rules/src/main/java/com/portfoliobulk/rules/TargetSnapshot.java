package com.portfoliobulk.rules;

import java.util.Optional;

/**
 * What the rules need to know about one (account, user) pair at decision time.
 *
 * @param accountInPortfolio whether the account is still linked to the job's portfolio
 * @param userIdpManaged whether the user is provisioned by an identity provider ({@code false} for
 *     an e-mail address that has no user yet)
 * @param membership the user's current membership on the account, if any
 * @param mailLimitReached whether an invitation or a resend would queue the invitee one more invitation
 *     e-mail of the portfolio when they already had the most the worker queues in 24 hours (false when
 *     the task's job has queued them its e-mail already: that one e-mail names all the job's invitations)
 */
public record TargetSnapshot(
        boolean accountInPortfolio,
        boolean userIdpManaged,
        Optional<CurrentMembership> membership,
        boolean mailLimitReached) {

    public TargetSnapshot {
        membership = membership == null ? Optional.empty() : membership;
    }

    /** A target whose invitee may be sent one more e-mail (the preview does not foresee the limit). */
    public TargetSnapshot(boolean accountInPortfolio, boolean userIdpManaged, Optional<CurrentMembership> membership) {
        this(accountInPortfolio, userIdpManaged, membership, false);
    }
}

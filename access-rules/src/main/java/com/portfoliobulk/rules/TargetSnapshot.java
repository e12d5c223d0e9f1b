package com.portfoliobulk.rules;

import java.util.Optional;

/**
 * What the rules need to know about one (account, user) pair at decision time.
 *
 * @param accountInPortfolio whether the account is still linked to the job's portfolio
 * @param userIdpManaged whether the user is provisioned by an identity provider ({@code false} for
 *     an e-mail address that has no user yet)
 * @param membership the user's current membership on the account, if any
 */
public record TargetSnapshot(
        boolean accountInPortfolio, boolean userIdpManaged, Optional<CurrentMembership> membership) {

    public TargetSnapshot {
        membership = membership == null ? Optional.empty() : membership;
    }
}

package com.portfoliobulk.localstack;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.MembershipState;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * One portfolio's rows of the {@code directory} schema, as the demo seed writes them.
 *
 * @param portfolioId the portfolio's id
 * @param portfolioName the portfolio's name
 * @param accounts its linked accounts
 * @param users every user with a membership in one of them
 * @param memberships who has which role on which account
 */
record DirectorySnapshot(
        UUID portfolioId,
        String portfolioName,
        List<Account> accounts,
        List<User> users,
        List<Membership> memberships) {

    DirectorySnapshot {
        accounts = List.copyOf(accounts);
        users = List.copyOf(users);
        memberships = List.copyOf(memberships);
    }

    record Account(UUID id, String name) {}

    record User(UUID id, String email, boolean idpManaged) {}

    /**
     * @param invitedAt when the invitation was sent ({@code INVITED} only)
     * @param expiresAt when the invitation expires ({@code INVITED} only)
     * @param invitationToken the invitation's token ({@code INVITED} only); the seed stores its SHA-256
     *     digest, as the worker does
     */
    record Membership(
            UUID accountId,
            UUID userId,
            AccountRole role,
            MembershipState state,
            Instant invitedAt,
            Instant expiresAt,
            String invitationToken) {

        static Membership active(UUID accountId, UUID userId, AccountRole role) {
            return new Membership(accountId, userId, role, MembershipState.ACTIVE, null, null, null);
        }
    }
}

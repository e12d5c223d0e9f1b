package com.portfoliobulk.worker.invitations;

import java.util.List;
import java.util.UUID;

/**
 * What an accepted invitation became: the memberships it activated. The first one is repeated at the
 * top level for callers that know a single account.
 *
 * @param accountId the (first) account
 * @param role the role code the invitation offered there
 * @param state {@code ACTIVE}
 * @param memberships every membership the acceptance activated, by account
 */
record AcceptedInvitation(UUID accountId, String role, String state, List<Membership> memberships) {

    static AcceptedInvitation of(List<Membership> memberships) {
        Membership first = memberships.getFirst();
        return new AcceptedInvitation(first.accountId(), first.role(), first.state(), List.copyOf(memberships));
    }

    /** One active membership. */
    record Membership(UUID accountId, String role, String state) {}
}

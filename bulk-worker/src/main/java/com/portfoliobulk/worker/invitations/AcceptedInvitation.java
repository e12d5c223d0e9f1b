package com.portfoliobulk.worker.invitations;

import java.util.UUID;

/**
 * The membership an accepted invitation became.
 *
 * @param accountId the account
 * @param role the role code the invitation offered
 * @param state {@code ACTIVE}
 */
record AcceptedInvitation(UUID accountId, String role, String state) {}

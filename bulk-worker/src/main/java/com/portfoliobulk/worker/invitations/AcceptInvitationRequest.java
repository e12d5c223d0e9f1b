package com.portfoliobulk.worker.invitations;

/**
 * The body of an acceptance: who accepts.
 *
 * @param email the e-mail address of the signed-in caller, from their token
 */
record AcceptInvitationRequest(String email) {}

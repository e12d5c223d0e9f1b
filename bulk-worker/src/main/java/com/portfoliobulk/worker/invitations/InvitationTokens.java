package com.portfoliobulk.worker.invitations;

import com.portfoliobulk.servicesupport.digests.Sha256;

/**
 * The stored form of an invitation's accept token: its SHA-256 digest (64 lower-case hex digits), never
 * the token a link carries, as for SCIM tokens and console session ids. Someone who can read the
 * directory, its write-ahead log or a backup cannot accept another person's invitation with a stored
 * value. A token is 256 random bits, so an unsalted digest cannot be reversed by guessing. The same as
 * PostgreSQL's {@code encode(sha256(convert_to(token, 'UTF8')), 'hex')}, with which the migration to
 * digests rewrote the tokens stored before.
 *
 * <p>A membership's token is stored as its digest only; an e-mail's token is kept in clear as well until
 * its message is sent or ends, because the sender writes it into the accept link.
 */
public final class InvitationTokens {

    private InvitationTokens() {}

    /** The digest stored for {@code token}, and compared with when it is presented. */
    public static String digest(String token) {
        return Sha256.hex(token);
    }
}

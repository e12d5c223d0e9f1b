package com.portfoliobulk.servicesupport.digests;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * SHA-256 digests as the services store and compare them: 64 lower-case hex digits, the same as
 * PostgreSQL's {@code encode(sha256(...), 'hex')}. Secrets (SCIM tokens, invitation accept tokens) are
 * stored so, and requests compared so (a job request's canonical form).
 */
public final class Sha256 {

    private Sha256() {}

    /** The digest of the text's UTF-8 bytes. */
    public static String hex(String text) {
        return hex(text.getBytes(StandardCharsets.UTF_8));
    }

    /** The digest of the bytes. */
    public static String hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException("SHA-256 is not available", ex);
        }
    }
}

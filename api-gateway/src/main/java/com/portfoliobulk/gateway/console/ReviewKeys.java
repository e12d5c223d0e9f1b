package com.portfoliobulk.gateway.console;

import com.portfoliobulk.gateway.web.CanonicalUuids;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.UUID;

/**
 * The Idempotency-Key a review gives its Confirm. Every form that leads to a review (the Users page's
 * bulk bar and invitation, a user profile's role selector, a review's form to change or correct)
 * carries a form key, made when the page with the form was shown ({@link #newFormKey}); the review's
 * key is derived from that form key and the request reviewed ({@link #idempotencyKey}). So the same
 * request reviewed again from the same showing of a form (Back to the review, whose form the browser
 * sends again; a second tab; Review clicked twice) has the same key, and its Confirm answers the job
 * the first Confirm made, while another request from that showing has another key, and its own job.
 * A form without a form key (a page shown before the console had them) gets a new one, so each of its
 * reviews has a key of its own, as before.
 *
 * <p>The key is a SHA-256 name-based UUID (version 8) of the portfolio, the administrator, the form
 * key and the request: no secret of the gateway's is needed to make it again, so every gateway instance
 * makes the same key for the same review, also while the shared secret is rotated. It cannot be
 * foreseen without the form key, a random UUID only the administrator's page holds.
 */
final class ReviewKeys {

    /** The name of the form key's field in the forms that lead to a review, and in their model. */
    static final String FORM_KEY = "formKey";

    private ReviewKeys() {}

    /** A new form key, for a page that shows forms leading to a review. */
    static String newFormKey() {
        return UUID.randomUUID().toString();
    }

    /** The form key the form sent, if it is one (a UUID, canonical); else a new one. */
    static String formKey(String sent) {
        UUID key = CanonicalUuids.parse(sent);
        return key == null ? newFormKey() : key.toString();
    }

    /** The review's Idempotency-Key: the same for the same request from the same form key, by the same administrator. */
    static String idempotencyKey(UUID portfolioId, ConsoleUser user, String formKey, String request) {
        MessageDigest sha256;
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException("SHA-256 is not available", ex);
        }
        for (String field : new String[] {
            "Portfolio Bulk Access console review key v1",
            portfolioId.toString(),
            String.valueOf(user.userId()),
            user.email(),
            formKey,
            request
        }) {
            // Each field with its length in front, so that no two lists of fields are read alike.
            byte[] bytes = String.valueOf(field).getBytes(StandardCharsets.UTF_8);
            sha256.update(
                    ByteBuffer.allocate(Integer.BYTES).putInt(bytes.length).array());
            sha256.update(bytes);
        }
        ByteBuffer digest = ByteBuffer.wrap(sha256.digest());
        long high = (digest.getLong() & ~0xF000L) | 0x8000L; // version 8
        long low = (digest.getLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L; // RFC 9562 variant
        return new UUID(high, low).toString();
    }
}

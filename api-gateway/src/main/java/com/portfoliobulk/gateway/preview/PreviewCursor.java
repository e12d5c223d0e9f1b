package com.portfoliobulk.gateway.preview;

import com.portfoliobulk.gateway.jobs.PlannedTarget;
import com.portfoliobulk.gateway.jobs.ValidatedJobRequest;
import com.portfoliobulk.gateway.web.InvalidParameterException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.UUID;

/**
 * Where the previous page of a plan ended: the last item's position in plan order and who it was.
 * The next page starts after that item, found again by who it was, so that a plan that gained or
 * lost items in between (an offboarding whose memberships changed) continues where the client was;
 * only when that item left the plan does it continue at the position. A cursor belongs to one
 * request in one portfolio: with another body it is refused. On the wire it is opaque.
 *
 * @param position the last item's 1-based position in the plan
 * @param accountId the last item's account
 * @param userKey a digest of the last item's e-mail address
 * @param planKey a digest of the portfolio and the normalized request the cursor was made for
 */
record PreviewCursor(long position, UUID accountId, String userKey, String planKey) {

    private static final String VERSION = "p1";

    private static final int MAX_ENCODED_LENGTH = 200;

    private static final int DIGEST_BYTES = 8;

    /** The cursor after {@code last}, an item of the plan of {@code planKey}. */
    static PreviewCursor after(PlannedTarget last, String planKey) {
        return new PreviewCursor(last.position(), last.accountId(), userKey(last), planKey);
    }

    /** Whether {@code target} is the item this cursor was made after. */
    boolean names(PlannedTarget target) {
        return accountId.equals(target.accountId()) && userKey.equals(userKey(target));
    }

    String encode() {
        String raw = String.join(":", VERSION, Long.toString(position), accountId.toString(), userKey, planKey);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The cursor a previous page returned.
     *
     * @throws InvalidParameterException naming {@code cursor} when it is not one
     */
    static PreviewCursor decode(String encoded) {
        try {
            if (encoded.length() > MAX_ENCODED_LENGTH) {
                throw new IllegalArgumentException();
            }
            String[] parts = new String(Base64.getUrlDecoder().decode(encoded), StandardCharsets.UTF_8).split(":", -1);
            if (parts.length != 5 || !parts[0].equals(VERSION)) {
                throw new IllegalArgumentException();
            }
            return new PreviewCursor(Long.parseLong(parts[1]), UUID.fromString(parts[2]), parts[3], parts[4]);
        } catch (IllegalArgumentException ex) {
            throw new InvalidParameterException("cursor", "is not a cursor returned by a preview");
        }
    }

    /**
     * This cursor, if it was made for the plan of {@code planKey}.
     *
     * @throws InvalidParameterException naming {@code cursor} when it belongs to another request
     */
    PreviewCursor requirePlan(String planKey) {
        if (!this.planKey.equals(planKey)) {
            throw new InvalidParameterException(
                    "cursor", "belongs to the preview of another request; send the same body to get the next page");
        }
        return this;
    }

    /** A digest of the portfolio and the normalized request: the same for the same plan request. */
    static String planKey(UUID portfolioId, ValidatedJobRequest request) {
        return digest(portfolioId + "\n" + request);
    }

    private static String userKey(PlannedTarget target) {
        return digest(target.email());
    }

    private static String digest(String text) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash, 0, DIGEST_BYTES);
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException("SHA-256 is not available", ex);
        }
    }
}

package com.portfoliobulk.gateway.console;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Signs what a review page shows, so that its Confirm (and its next page) carries exactly the
 * reviewed job request: HMAC-SHA256 over the request, its Idempotency-Key, the portfolio and the
 * signed-in administrator. The key is derived from the services' shared secret
 * ({@code bulk.internal-auth.token-secret}) for this use only, so every gateway instance accepts the
 * reviews of the others.
 */
@Component
class ReviewSignatures {

    private static final String ALGORITHM = "HmacSHA256";

    /** What the shared secret is used for here: a key of its own, not the internal tokens' one. */
    private static final String PURPOSE = "Portfolio Bulk Access console review v1";

    private final SecretKeySpec key;

    ReviewSignatures(@Value("${bulk.internal-auth.token-secret:}") String secret) {
        if (secret.isBlank()) {
            throw new IllegalStateException(
                    "bulk.internal-auth.token-secret (BULK_INTERNAL_TOKEN_SECRET) is required: it signs the console's reviews");
        }
        this.key = new SecretKeySpec(
                mac(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), ALGORITHM))
                        .doFinal(PURPOSE.getBytes(StandardCharsets.UTF_8)),
                ALGORITHM);
    }

    /** The signature of a review: the request and key as shown, for this portfolio and administrator. */
    String sign(UUID portfolioId, ConsoleUser user, String request, String idempotencyKey) {
        Mac mac = mac(key);
        for (String field : new String[] {
            portfolioId.toString(), String.valueOf(user.userId()), user.email(), idempotencyKey, request
        }) {
            byte[] bytes = String.valueOf(field).getBytes(StandardCharsets.UTF_8);
            mac.update(ByteBuffer.allocate(Integer.BYTES).putInt(bytes.length).array());
            mac.update(bytes);
        }
        return Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal());
    }

    /** Whether the signature is the one {@link #sign} made for exactly these. */
    boolean verify(UUID portfolioId, ConsoleUser user, String request, String idempotencyKey, String signature) {
        if (signature == null || request == null || idempotencyKey == null) {
            return false;
        }
        return MessageDigest.isEqual(
                sign(portfolioId, user, request, idempotencyKey).getBytes(StandardCharsets.US_ASCII),
                signature.getBytes(StandardCharsets.US_ASCII));
    }

    private static Mac mac(SecretKeySpec key) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac;
        } catch (GeneralSecurityException ex) {
            throw new IllegalStateException("HMAC-SHA256 is not available", ex);
        }
    }
}

package com.portfoliobulk.gateway.console;

import com.portfoliobulk.gateway.web.DerivedKeys;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * Signs what a review page shows, so that its Confirm (and its next page) carries exactly the
 * reviewed job request: HMAC-SHA256 over the request, its Idempotency-Key, the portfolio and the
 * signed-in administrator, with a key of its own ({@link DerivedKeys}), so every gateway instance
 * accepts the reviews of the others.
 */
@Component
class ReviewSignatures {

    /** What the shared secret is used for here: a key of its own, not the internal tokens' one. */
    private static final String PURPOSE = "Portfolio Bulk Access console review v1";

    private final DerivedKeys.Key key;

    ReviewSignatures(DerivedKeys keys) {
        this.key = keys.key(PURPOSE);
    }

    /** The signature of a review: the request and key as shown, for this portfolio and administrator. */
    String sign(UUID portfolioId, ConsoleUser user, String request, String idempotencyKey) {
        return key.sign(portfolioId.toString(), String.valueOf(user.userId()), user.email(), idempotencyKey, request);
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
}

package com.portfoliobulk.gateway.console;

import com.portfoliobulk.gateway.web.DerivedKeys;
import com.portfoliobulk.internalauth.SharedKeys;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * Signs what a review page shows, so that its Confirm (and its next page) carries exactly the
 * reviewed job request: HMAC-SHA256 over the request, its Idempotency-Key, the portfolio and the
 * signed-in administrator, with a key of its own ({@link DerivedKeys}), so every gateway instance
 * accepts the reviews of the others; while the shared secret is rotated, also a review signed with
 * the accepted secret's key.
 */
@Component
class ReviewSignatures {

    /** What the shared secret is used for here: a key of its own, not the internal tokens' one. */
    private static final String PURPOSE = "Portfolio Bulk Access console review v1";

    private final SharedKeys<DerivedKeys.Key> keys;

    ReviewSignatures(DerivedKeys keys) {
        this.keys = keys.key(PURPOSE);
    }

    /** The signature of a review: the request and key as shown, for this portfolio and administrator. */
    String sign(UUID portfolioId, ConsoleUser user, String request, String idempotencyKey) {
        return sign(keys.current(), portfolioId, user, request, idempotencyKey);
    }

    /** Whether the signature is the one {@link #sign} made for exactly these (with either accepted key). */
    boolean verify(UUID portfolioId, ConsoleUser user, String request, String idempotencyKey, String signature) {
        if (signature == null || request == null || idempotencyKey == null) {
            return false;
        }
        return keys.accepting(key -> MessageDigest.isEqual(
                        sign(key, portfolioId, user, request, idempotencyKey).getBytes(StandardCharsets.US_ASCII),
                        signature.getBytes(StandardCharsets.US_ASCII)))
                .isPresent();
    }

    private static String sign(
            DerivedKeys.Key key, UUID portfolioId, ConsoleUser user, String request, String idempotencyKey) {
        return key.sign(portfolioId.toString(), String.valueOf(user.userId()), user.email(), idempotencyKey, request);
    }
}

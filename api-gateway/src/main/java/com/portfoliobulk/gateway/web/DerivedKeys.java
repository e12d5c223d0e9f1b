package com.portfoliobulk.gateway.web;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * The gateway's keys for its own signatures and keyed digests, each derived for one purpose from the
 * services' shared secret ({@code bulk.internal-auth.token-secret}, which every gateway instance has):
 * what one instance signs, the others verify, and no purpose's key is another's or the internal
 * tokens' own.
 */
@Component
public class DerivedKeys {

    private static final String ALGORITHM = "HmacSHA256";

    private final SecretKeySpec secret;

    public DerivedKeys(@Value("${bulk.internal-auth.token-secret:}") String secret) {
        if (secret.isBlank()) {
            throw new IllegalStateException(
                    "bulk.internal-auth.token-secret (BULK_INTERNAL_TOKEN_SECRET) is required: the gateway derives"
                            + " the keys of its console reviews and cursors from it");
        }
        this.secret = new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), ALGORITHM);
    }

    /** The key of one purpose (a fixed text naming its use and version). */
    public Key key(String purpose) {
        return new Key(new SecretKeySpec(Key.mac(secret).doFinal(purpose.getBytes(StandardCharsets.UTF_8)), ALGORITHM));
    }

    /** An HMAC-SHA256 key; thread-safe, each call uses a MAC of its own. */
    public static final class Key {

        private final SecretKeySpec key;

        private Key(SecretKeySpec key) {
            this.key = key;
        }

        /**
         * HMAC-SHA256 of the fields, each with its length in front (so no two lists of fields give the
         * same input), in base64url without padding.
         */
        public String sign(String... fields) {
            return Base64.getUrlEncoder().withoutPadding().encodeToString(mac(fields));
        }

        /** The first {@code bytes} bytes of {@link #sign}'s MAC, in base64url: a short keyed digest. */
        public String digest(int bytes, String... fields) {
            byte[] mac = mac(fields);
            return Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(mac, bytes));
        }

        private byte[] mac(String... fields) {
            Mac mac = mac(key);
            for (String field : fields) {
                byte[] bytes = String.valueOf(field).getBytes(StandardCharsets.UTF_8);
                mac.update(
                        ByteBuffer.allocate(Integer.BYTES).putInt(bytes.length).array());
                mac.update(bytes);
            }
            return mac.doFinal();
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
}

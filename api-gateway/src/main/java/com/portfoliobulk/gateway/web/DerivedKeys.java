package com.portfoliobulk.gateway.web;

import com.portfoliobulk.internalauth.SharedKeys;
import com.portfoliobulk.servicesupport.settings.InvalidSettingException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * The gateway's keys for its own signatures, keyed digests and stored sessions, each derived for one
 * purpose from the gateway's secret ({@code bulk.internal-auth.token-secret}, which every gateway
 * instance has): what one instance signs, the others verify, and no purpose's key is another's or the
 * internal tokens' own. The bulk-worker and the audit-consumer hold that secret only while the link to
 * them has no secret of its own ({@code bulk.internal-auth.worker-token-secret},
 * {@code .audit-token-secret}, see {@link InternalServices}). While the secret is rotated, each purpose also has the key derived from
 * the accepted secret ({@code bulk.internal-auth.accepted-token-secret}), which its readers accept and
 * nothing makes with ({@link SharedKeys}).
 */
@Component
public class DerivedKeys {

    private static final String ALGORITHM = "HmacSHA256";

    private final SharedKeys<SecretKeySpec> secrets;

    /**
     * @throws InvalidSettingException naming the setting when a secret is refused ({@link SharedKeys#of}):
     *     the gateway does not start, and says what to set
     */
    public DerivedKeys(
            @Value("${bulk.internal-auth.token-secret:}") String secret,
            @Value("${bulk.internal-auth.accepted-token-secret:}") String acceptedSecret) {
        this.secrets = InvalidSettingException.reading(
                        SharedKeys.SECRET_VARIABLE,
                        SharedKeys.SECRET_ACTION,
                        () -> SharedKeys.of(secret, acceptedSecret))
                .map(bytes -> new SecretKeySpec(bytes, ALGORITHM));
    }

    /** The signing keys of one purpose (a fixed text naming its use and version). */
    public SharedKeys<Key> key(String purpose) {
        return secrets.map(secret -> new Key(derive(secret, purpose, ALGORITHM)));
    }

    /** The AES-256 keys of one purpose, derived as {@link #key}'s are. */
    public SharedKeys<SecretKey> aesKeys(String purpose) {
        return secrets.map(secret -> derive(secret, purpose, "AES"));
    }

    private static SecretKeySpec derive(SecretKeySpec secret, String purpose, String algorithm) {
        return new SecretKeySpec(Key.mac(secret).doFinal(purpose.getBytes(StandardCharsets.UTF_8)), algorithm);
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

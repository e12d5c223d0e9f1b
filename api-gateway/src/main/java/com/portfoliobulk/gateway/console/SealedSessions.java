package com.portfoliobulk.gateway.console;

import com.portfoliobulk.gateway.security.AesGcm;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.convert.ConversionService;
import org.springframework.core.convert.support.GenericConversionService;
import org.springframework.core.serializer.support.DeserializingConverter;
import org.springframework.core.serializer.support.SerializingConverter;

/**
 * The console's sessions are stored in PostgreSQL ({@code jobs.console_sessions}), and what they hold
 * is sensitive: the administrator's bearer token, and for one page a new SCIM token or webhook signing
 * secret (which the API itself keeps only hashed or encrypted). So every session attribute is stored
 * sealed, serialized and then encrypted with AES-256-GCM under a key derived from the secret every
 * gateway shares ({@code BULK_INTERNAL_TOKEN_SECRET}): the database, its write-ahead log and its
 * backups never hold them readable, and whichever gateway serves the next request opens them. An
 * attribute that cannot be opened (sealed under another shared secret, before it was rotated) reads as
 * absent: its administrator signs in again.
 */
@Configuration(proxyBeanMethods = false)
class SealedSessions {

    private static final Logger LOG = LoggerFactory.getLogger(SealedSessions.class);

    /** What the shared secret is used for here, so that the key is this use's alone. */
    private static final byte[] PURPOSE = "portfolio-bulk console: stored sessions".getBytes(StandardCharsets.UTF_8);

    private static final byte VERSION = 1;

    /** Spring Session JDBC reads and writes session attributes through the bean of this name. */
    @Bean
    ConversionService springSessionConversionService(
            @Value("${bulk.internal-auth.token-secret:}") String sharedSecret) {
        AttributeCipher cipher = new AttributeCipher(key(sharedSecret));
        SerializingConverter serialize = new SerializingConverter();
        DeserializingConverter deserialize = new DeserializingConverter(SealedSessions.class.getClassLoader());
        GenericConversionService conversions = new GenericConversionService();
        conversions.addConverter(Object.class, byte[].class, value -> cipher.seal(serialize.convert(value)));
        conversions.addConverter(byte[].class, Object.class, stored -> {
            byte[] serialized = cipher.open((byte[]) stored);
            return serialized == null ? null : deserialize.convert(serialized);
        });
        return conversions;
    }

    private static SecretKey key(String sharedSecret) {
        try {
            // The shared secret is at least 32 bytes: InternalTokens refuses to start with less.
            Mac hmac = Mac.getInstance("HmacSHA256");
            hmac.init(new SecretKeySpec(sharedSecret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return new SecretKeySpec(hmac.doFinal(PURPOSE), "AES");
        } catch (GeneralSecurityException | IllegalArgumentException ex) {
            throw new IllegalStateException(
                    "Cannot derive the key of the console's stored sessions from BULK_INTERNAL_TOKEN_SECRET", ex);
        }
    }

    /** A version byte, then the attribute sealed by {@link AesGcm}. */
    private static final class AttributeCipher {

        private final AesGcm aes;

        AttributeCipher(SecretKey key) {
            this.aes = new AesGcm(key);
        }

        byte[] seal(byte[] plain) {
            byte[] sealed = aes.seal(plain);
            return ByteBuffer.allocate(1 + sealed.length)
                    .put(VERSION)
                    .put(sealed)
                    .array();
        }

        /** The serialized value, or null when it was not sealed under this key. */
        byte[] open(byte[] stored) {
            if (stored.length == 0 || stored[0] != VERSION) {
                LOG.warn("A stored console session attribute is not sealed: it is read as absent");
                return null;
            }
            return aes.open(Arrays.copyOfRange(stored, 1, stored.length)).orElseGet(() -> {
                LOG.warn("A stored console session attribute could not be opened (was BULK_INTERNAL_TOKEN_SECRET"
                        + " changed?): it is read as absent, and its administrator signs in again");
                return null;
            });
        }
    }
}

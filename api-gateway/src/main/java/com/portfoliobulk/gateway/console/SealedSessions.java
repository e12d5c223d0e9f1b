package com.portfoliobulk.gateway.console;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
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

    private static final int NONCE_BYTES = 12;

    private static final int TAG_BITS = 128;

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

    /** AES-256-GCM with a random nonce per value: version byte, nonce, ciphertext and tag. */
    private static final class AttributeCipher {

        private final SecretKey key;

        private final SecureRandom random = new SecureRandom();

        AttributeCipher(SecretKey key) {
            this.key = key;
        }

        byte[] seal(byte[] plain) {
            byte[] nonce = new byte[NONCE_BYTES];
            random.nextBytes(nonce);
            try {
                Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
                cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
                byte[] sealed = cipher.doFinal(plain);
                return ByteBuffer.allocate(1 + NONCE_BYTES + sealed.length)
                        .put(VERSION)
                        .put(nonce)
                        .put(sealed)
                        .array();
            } catch (GeneralSecurityException ex) {
                throw new IllegalStateException("Cannot seal a console session attribute", ex);
            }
        }

        /** The serialized value, or null when it was not sealed under this key. */
        byte[] open(byte[] sealed) {
            if (sealed.length < 1 + NONCE_BYTES || sealed[0] != VERSION) {
                LOG.warn("A stored console session attribute is not sealed: it is read as absent");
                return null;
            }
            try {
                Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
                cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, sealed, 1, NONCE_BYTES));
                return cipher.doFinal(sealed, 1 + NONCE_BYTES, sealed.length - 1 - NONCE_BYTES);
            } catch (GeneralSecurityException ex) {
                LOG.warn("A stored console session attribute could not be opened (was BULK_INTERNAL_TOKEN_SECRET"
                        + " changed?): it is read as absent, and its administrator signs in again");
                return null;
            }
        }
    }
}

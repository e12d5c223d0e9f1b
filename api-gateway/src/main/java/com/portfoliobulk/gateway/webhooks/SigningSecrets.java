package com.portfoliobulk.gateway.webhooks;

import com.portfoliobulk.gateway.security.AesGcm;
import com.portfoliobulk.gateway.web.RequestRefusedException;
import com.portfoliobulk.servicesupport.settings.InvalidSettingException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import org.springframework.stereotype.Component;

/**
 * Signing secrets in the Standard Webhooks form ({@code whsec_} and the base64 of 24 random bytes),
 * and their encryption at rest: HMAC needs the secret itself to sign, so it cannot be hashed; it is
 * stored encrypted with AES-256-GCM under the gateway's key ({@code bulk.gateway.webhooks.secret-key}).
 */
@Component
class SigningSecrets {

    static final String PREFIX = "whsec_";

    private static final int SECRET_BYTES = 24;

    private static final String FORMAT = "v1:";

    private static final String KEY_ACTION = "Set BULK_WEBHOOK_SECRET_KEY to the base64 of 32 random bytes (e.g. the"
            + " output of 'openssl rand -base64 32'), or leave it empty to turn webhooks off. A deployment with"
            + " subscriptions keeps its key: the stored signing secrets are encrypted with it.";

    /** Null when no key is configured. */
    private final AesGcm cipher;

    private final SecureRandom random = new SecureRandom();

    SigningSecrets(WebhookProperties properties) {
        this.cipher = properties.secretKey().isBlank() ? null : new AesGcm(key(properties.secretKey()));
    }

    private static SecretKey key(String base64) {
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(base64.strip());
        } catch (IllegalArgumentException ex) {
            throw new InvalidSettingException(
                    "BULK_WEBHOOK_SECRET_KEY", "bulk.gateway.webhooks.secret-key is not base64", KEY_ACTION, ex);
        }
        if (bytes.length != 32) {
            throw new InvalidSettingException(
                    "BULK_WEBHOOK_SECRET_KEY",
                    "bulk.gateway.webhooks.secret-key must be the base64 of 32 bytes, not of " + bytes.length,
                    KEY_ACTION);
        }
        return new SecretKeySpec(bytes, "AES");
    }

    /** A new random secret, as shown to the client once. */
    String generate() {
        byte[] bytes = new byte[SECRET_BYTES];
        random.nextBytes(bytes);
        return PREFIX + Base64.getEncoder().encodeToString(bytes);
    }

    /** The raw key bytes of a {@code whsec_} secret, the HMAC key. */
    static byte[] keyBytes(String secret) {
        return Base64.getDecoder().decode(secret.substring(PREFIX.length()));
    }

    String encrypt(String secret) {
        return FORMAT
                + Base64.getEncoder().encodeToString(requireCipher().seal(secret.getBytes(StandardCharsets.UTF_8)));
    }

    String decrypt(String stored) {
        if (!stored.startsWith(FORMAT)) {
            throw new IllegalStateException("Unknown format of a stored signing secret");
        }
        return open(stored)
                .orElseThrow(() ->
                        new IllegalStateException("Cannot decrypt a signing secret: was the secret key changed?"));
    }

    /** The stored secret, or empty when this gateway's key does not open it (the key was changed since). */
    Optional<String> open(String stored) {
        if (!stored.startsWith(FORMAT)) {
            return Optional.empty();
        }
        return requireCipher()
                .open(Base64.getDecoder().decode(stored.substring(FORMAT.length())))
                .map(plain -> new String(plain, StandardCharsets.UTF_8));
    }

    boolean configured() {
        return cipher != null;
    }

    private AesGcm requireCipher() {
        if (cipher == null) {
            throw notConfigured();
        }
        return cipher;
    }

    static RequestRefusedException notConfigured() {
        return new RequestRefusedException(
                RequestRefusedException.Reason.UNAVAILABLE,
                "Webhooks not configured",
                "This gateway has no key to protect signing secrets; its operator must set"
                        + " bulk.gateway.webhooks.secret-key.");
    }
}

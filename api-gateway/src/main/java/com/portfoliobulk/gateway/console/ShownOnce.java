package com.portfoliobulk.gateway.console;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;
import org.springframework.ui.Model;

/**
 * A secret the console shows once (a new SCIM token, a webhook signing secret) on the page an action
 * redirects to. It travels in a flash attribute of the session, and the sessions are stored in
 * PostgreSQL ({@code jobs.console_sessions}), so it is sealed here with AES-256-GCM under a key
 * derived from the secret every gateway shares ({@code BULK_INTERNAL_TOKEN_SECRET}): the database, its
 * write-ahead log and its backups never hold it readable (the API itself stores SCIM tokens hashed and
 * signing secrets encrypted), and whichever gateway serves the next page opens it.
 */
@Component
class ShownOnce {

    private static final Logger LOG = LoggerFactory.getLogger(ShownOnce.class);

    private static final String FORMAT = "sealed:v1:";

    /** What the shared secret is used for here, so that the key is this use's alone. */
    private static final byte[] PURPOSE = "portfolio-bulk console: secrets shown once".getBytes(StandardCharsets.UTF_8);

    private static final int NONCE_BYTES = 12;

    private static final int TAG_BITS = 128;

    private final SecretKey key;

    private final SecureRandom random = new SecureRandom();

    ShownOnce(@Value("${bulk.internal-auth.token-secret:}") String sharedSecret) {
        this.key = derive(sharedSecret);
    }

    private static SecretKey derive(String sharedSecret) {
        try {
            // The shared secret is at least 32 bytes (InternalTokens refuses to start with less).
            Mac hmac = Mac.getInstance("HmacSHA256");
            hmac.init(new SecretKeySpec(sharedSecret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return new SecretKeySpec(hmac.doFinal(PURPOSE), "AES");
        } catch (GeneralSecurityException | IllegalArgumentException ex) {
            throw new IllegalStateException("Cannot derive the console's key for secrets shown once", ex);
        }
    }

    /** The map with its {@code field} sealed, to put in a flash attribute. */
    Map<String, Object> sealed(Map<String, Object> shown, String field) {
        Map<String, Object> copy = new LinkedHashMap<>(shown);
        if (copy.get(field) instanceof String secret) {
            copy.put(field, seal(secret));
        }
        return copy;
    }

    /**
     * Opens the sealed {@code field} of the model's flash attribute {@code attribute}, if the page has
     * one; drops the attribute when it cannot be opened (sealed by a gateway with another shared secret).
     */
    void open(Model model, String attribute, String field) {
        if (!(model.getAttribute(attribute) instanceof Map<?, ?> flashed)) {
            return;
        }
        Map<Object, Object> shown = new LinkedHashMap<>(flashed);
        Optional<String> secret = shown.get(field) instanceof String sealed ? open(sealed) : Optional.empty();
        if (secret.isEmpty()) {
            LOG.warn("A secret to show once could not be opened: do all gateways share BULK_INTERNAL_TOKEN_SECRET?");
            model.asMap().remove(attribute);
            return;
        }
        shown.put(field, secret.get());
        model.addAttribute(attribute, shown);
    }

    String seal(String secret) {
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            byte[] sealed = cipher.doFinal(secret.getBytes(StandardCharsets.UTF_8));
            return FORMAT
                    + Base64.getEncoder()
                            .encodeToString(ByteBuffer.allocate(nonce.length + sealed.length)
                                    .put(nonce)
                                    .put(sealed)
                                    .array());
        } catch (GeneralSecurityException ex) {
            throw new IllegalStateException("Cannot seal a secret to show once", ex);
        }
    }

    Optional<String> open(String sealed) {
        if (!sealed.startsWith(FORMAT)) {
            return Optional.empty();
        }
        try {
            byte[] bytes = Base64.getDecoder().decode(sealed.substring(FORMAT.length()));
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, bytes, 0, NONCE_BYTES));
            return Optional.of(
                    new String(cipher.doFinal(bytes, NONCE_BYTES, bytes.length - NONCE_BYTES), StandardCharsets.UTF_8));
        } catch (GeneralSecurityException | IllegalArgumentException ex) {
            return Optional.empty();
        }
    }
}

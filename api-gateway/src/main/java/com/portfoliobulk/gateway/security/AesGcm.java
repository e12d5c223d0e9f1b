package com.portfoliobulk.gateway.security;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Optional;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

/**
 * Authenticated encryption of what the gateway stores and must read back (webhook signing secrets, the
 * console's sessions): AES-256-GCM with a random 96-bit nonce per value, sealed as nonce, ciphertext
 * and 128-bit tag. Opening fails for another key or any changed byte.
 */
public final class AesGcm {

    private static final String TRANSFORMATION = "AES/GCM/NoPadding";

    private static final int NONCE_BYTES = 12;

    private static final int TAG_BITS = 128;

    private final SecretKey key;

    private final SecureRandom random = new SecureRandom();

    /** @param key a 256-bit AES key */
    public AesGcm(SecretKey key) {
        this.key = key;
    }

    /** The nonce, the ciphertext and the tag of {@code plain}. */
    public byte[] seal(byte[] plain) {
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance(TRANSFORMATION);
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            byte[] sealed = cipher.doFinal(plain);
            return ByteBuffer.allocate(NONCE_BYTES + sealed.length)
                    .put(nonce)
                    .put(sealed)
                    .array();
        } catch (GeneralSecurityException ex) {
            throw new IllegalStateException("Cannot encrypt with AES-GCM", ex);
        }
    }

    /** What {@link #seal} sealed under this key, or empty when it was not (another key, changed bytes). */
    public Optional<byte[]> open(byte[] sealed) {
        if (sealed.length < NONCE_BYTES) {
            return Optional.empty();
        }
        try {
            Cipher cipher = Cipher.getInstance(TRANSFORMATION);
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, sealed, 0, NONCE_BYTES));
            return Optional.of(cipher.doFinal(sealed, NONCE_BYTES, sealed.length - NONCE_BYTES));
        } catch (GeneralSecurityException ex) {
            return Optional.empty();
        }
    }
}

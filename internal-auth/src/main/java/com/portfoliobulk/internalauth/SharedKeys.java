package com.portfoliobulk.internalauth;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A service's internal token secret ({@value #SECRET_VARIABLE}) and, while it is being rotated, the one
 * more secret it accepts ({@value #ACCEPTED_VARIABLE}); or the keys a use derives from the two
 * ({@link #map}); or the secret of one of the gateway's links alone ({@link #signing}). The current key is the only one that makes anything (signs, encrypts); wherever
 * something is checked or read (an internal token, a console review, a paging cursor, a stored
 * console session), the accepted key is tried after it, so that what an instance made before the
 * secret changed, or an instance that has not changed yet makes, is still accepted. See "Rotating the
 * internal token secret" under "Operating" in the README.
 *
 * @param <K> the kind of key
 */
public final class SharedKeys<K> {

    /** The environment variable of the shared secret. */
    public static final String SECRET_VARIABLE = "BULK_INTERNAL_TOKEN_SECRET";

    /** The environment variable of the secret that is accepted too, never used to make anything. */
    public static final String ACCEPTED_VARIABLE = "BULK_INTERNAL_TOKEN_ACCEPTED_SECRET";

    /** What to set when {@link #of} refuses the secrets: the same for every service that reads them. */
    public static final String SECRET_ACTION = "Set " + SECRET_VARIABLE + " to a random secret of at least 32 bytes"
            + " (e.g. the output of 'openssl rand -base64 48'), the same on every service; set " + ACCEPTED_VARIABLE
            + " only while rotating it, to the other secret.";

    private static final String SECRET_SETTING = SECRET_VARIABLE + " (bulk.internal-auth.token-secret)";

    private static final String ACCEPTED_SETTING = ACCEPTED_VARIABLE + " (bulk.internal-auth.accepted-token-secret)";

    private static final int MIN_SECRET_BYTES = 32;

    private final K current;

    private final List<K> all;

    private SharedKeys(K current, K accepted) {
        this.current = current;
        this.all = accepted == null ? List.of(current) : List.of(current, accepted);
    }

    /**
     * @param secret the shared secret, at least 32 bytes
     * @param acceptedSecret the secret accepted too; empty or {@code null} for none
     * @throws IllegalStateException naming the setting when the secret is missing or short, or the
     *     accepted secret is short or the same as the secret, so that a service refuses to start
     *     rather than run with its internal API open or accept what it should not
     */
    public static SharedKeys<byte[]> of(String secret, String acceptedSecret) {
        if (secret == null || secret.isBlank()) {
            throw new IllegalStateException("Set " + SECRET_SETTING
                    + ": the secret of the internal tokens of the calls between the services (and of the"
                    + " gateway's own keys); at least " + MIN_SECRET_BYTES + " bytes.");
        }
        byte[] current = bytes(secret, SECRET_SETTING);
        if (acceptedSecret == null || acceptedSecret.isBlank()) {
            return new SharedKeys<>(current, null);
        }
        byte[] accepted = bytes(acceptedSecret, ACCEPTED_SETTING);
        if (Arrays.equals(accepted, current)) {
            throw new IllegalStateException(ACCEPTED_SETTING + " is the same as " + SECRET_VARIABLE
                    + ": set it to the other secret of the rotation (the one being changed to, or the one"
                    + " being retired), or leave it empty.");
        }
        return new SharedKeys<>(current, accepted);
    }

    /**
     * A secret that only signs, with none accepted beside it: the one of the gateway's calls to one
     * service, which that service verifies with its own {@value #SECRET_VARIABLE}.
     *
     * @param setting the variable and property named when the secret is refused
     * @throws IllegalStateException naming the setting when the secret is missing or shorter than 32 bytes
     */
    public static SharedKeys<byte[]> signing(String secret, String setting) {
        if (secret == null || secret.isBlank()) {
            throw new IllegalStateException("Set " + setting + "; at least " + MIN_SECRET_BYTES + " bytes.");
        }
        return new SharedKeys<>(bytes(secret, setting), null);
    }

    private static byte[] bytes(String secret, String setting) {
        byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
        if (bytes.length < MIN_SECRET_BYTES) {
            throw new IllegalStateException(
                    setting + " must be at least " + MIN_SECRET_BYTES + " bytes long; it is " + bytes.length + ".");
        }
        return bytes;
    }

    /** The key that makes (signs, encrypts): the secret's. */
    public K current() {
        return current;
    }

    /** The keys that are accepted when checking or reading, the current one first. */
    public List<K> all() {
        return all;
    }

    /** The first key, the current one first, that {@code accepts} what is checked: empty when none does. */
    public Optional<K> accepting(Predicate<? super K> accepts) {
        return all.stream().filter(accepts).findFirst();
    }

    /** The keys of one use, each derived from the key here in the same place. */
    public <T> SharedKeys<T> map(Function<? super K, ? extends T> derive) {
        return new SharedKeys<>(derive.apply(current), all.size() == 1 ? null : derive.apply(all.get(1)));
    }
}

package com.portfoliobulk.gateway.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.gateway.web.DerivedKeys;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.core.convert.ConversionService;

class SealedSessionsTests {

    private static final String SHARED_SECRET = "one-secret-all-gateways-share-0123456789";

    private final ConversionService sessions = sessions(SHARED_SECRET, "");

    @Test
    void anAttributeIsStoredSealedAndOpensToWhatWasStored() {
        HashMap<String, Object> attribute = new HashMap<>(Map.of("token", "scim_secret-value", "name", "Entra ID"));

        byte[] stored = sessions.convert(attribute, byte[].class);

        assertThat(new String(stored, StandardCharsets.ISO_8859_1))
                .doesNotContain("scim_secret-value")
                .doesNotContain("Entra ID");
        assertThat(sessions.convert(stored, Object.class)).isEqualTo(attribute);
        assertThat(sessions.convert(attribute, byte[].class))
                .as("sealed again, with another nonce")
                .isNotEqualTo(stored);
    }

    @Test
    void anAttributeSealedUnderAnotherSharedSecretOrTamperedWithReadsAsAbsent() {
        byte[] stored =
                sessions("another-secret-of-another-deployment-0123", "").convert("the administrator", byte[].class);
        byte[] ours = sessions.convert("the administrator", byte[].class);
        ours[ours.length - 1] ^= 1;

        assertThat(sessions.convert(stored, Object.class)).isNull();
        assertThat(sessions.convert(ours, Object.class)).isNull();
    }

    /**
     * While the shared secret is rotated, an attribute sealed under either secret's key opens, and
     * what is sealed is sealed under the current one alone.
     */
    @Test
    void whileTheSecretIsRotatedAnAttributeSealedUnderTheAcceptedOneOpensAndNewOnesUseTheCurrentOne() {
        String newSecret = "the-secret-after-the-rotation-0123456789";
        ConversionService rotated = sessions(newSecret, SHARED_SECRET);
        byte[] sealedBefore = sessions.convert("the administrator", byte[].class);

        assertThat(rotated.convert(sealedBefore, Object.class)).isEqualTo("the administrator");
        byte[] sealedAfter = rotated.convert("the administrator", byte[].class);
        assertThat(sessions(newSecret, "").convert(sealedAfter, Object.class)).isEqualTo("the administrator");
        assertThat(sessions.convert(sealedAfter, Object.class))
                .as("opened with the secret before the rotation alone")
                .isNull();
        assertThat(rotated.convert(
                        sessions("another-secret-of-another-deployment-0123", "")
                                .convert("the administrator", byte[].class),
                        Object.class))
                .isNull();
    }

    static ConversionService sessions(String secret, String acceptedSecret) {
        SealedSessions configuration = new SealedSessions();
        return configuration.springSessionConversionService(
                configuration.sessionAttributeCipher(new DerivedKeys(secret, acceptedSecret)));
    }
}

package com.portfoliobulk.gateway.preview;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.portfoliobulk.contracts.TaskAction;
import com.portfoliobulk.contracts.paging.Cursor;
import com.portfoliobulk.contracts.paging.InvalidPageRequestException;
import com.portfoliobulk.contracts.paging.PageRequest;
import com.portfoliobulk.gateway.jobs.JobRequestValidation;
import com.portfoliobulk.gateway.jobs.OffboardUsers;
import com.portfoliobulk.gateway.jobs.PlannedTarget;
import com.portfoliobulk.gateway.jobs.ValidatedJobRequest;
import com.portfoliobulk.gateway.web.DerivedKeys;
import com.portfoliobulk.internalauth.SharedKeys;
import com.portfoliobulk.rules.TargetSnapshot;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class PreviewCursorTests {

    static final SharedKeys<DerivedKeys.Key> KEYS =
            new DerivedKeys("preview-cursor-tests-secret-0123456789abcdef", "").key(PreviewCursor.PURPOSE);

    static final DerivedKeys.Key KEY = KEYS.current();

    private static final UUID PORTFOLIO = UUID.randomUUID();

    private static final ValidatedJobRequest OFFBOARD_ANN =
            JobRequestValidation.validate(new OffboardUsers(List.of(UUID.randomUUID())));

    @Test
    void aCursorComesBackAsTheSameCursorAndNamesTheItemItWasMadeAfter() {
        String planKey = PreviewCursor.planKey(PORTFOLIO, OFFBOARD_ANN, KEY);
        PlannedTarget last = target(UUID.randomUUID(), "ann@brand.example", 7);

        PreviewCursor decoded = read(PreviewCursor.after(last, planKey, KEY).encode(), PORTFOLIO, OFFBOARD_ANN);

        assertThat(decoded.position()).isEqualTo(7);
        assertThat(decoded.names(last)).isTrue();
        assertThat(decoded.names(target(last.accountId(), "bob@brand.example", 7)))
                .isFalse();
        assertThat(decoded.names(target(UUID.randomUUID(), "ann@brand.example", 7)))
                .isFalse();
        assertThat(decoded).isEqualTo(PreviewCursor.after(last, planKey, KEY));
    }

    @Test
    void theSameRequestHasTheSamePlanKeyAndAnotherRequestOrPortfolioAnother() {
        ValidatedJobRequest same = JobRequestValidation.validate(OFFBOARD_ANN.request());
        ValidatedJobRequest other = JobRequestValidation.validate(new OffboardUsers(List.of(UUID.randomUUID())));

        assertThat(PreviewCursor.planKey(PORTFOLIO, same, KEY))
                .isEqualTo(PreviewCursor.planKey(PORTFOLIO, OFFBOARD_ANN, KEY));
        assertThat(PreviewCursor.planKey(PORTFOLIO, other, KEY))
                .isNotEqualTo(PreviewCursor.planKey(PORTFOLIO, OFFBOARD_ANN, KEY));
        assertThat(PreviewCursor.planKey(UUID.randomUUID(), OFFBOARD_ANN, KEY))
                .isNotEqualTo(PreviewCursor.planKey(PORTFOLIO, OFFBOARD_ANN, KEY));
    }

    /**
     * A cursor reaches URLs and access logs: its digest of the address is keyed, so it matches no
     * digest anyone can compute from a list of addresses, and another secret gives another digest.
     */
    @Test
    void aCursorCarriesNoAddressNorAnUnkeyedDigestOfIt() throws Exception {
        String email = "ann@brand.example";
        PlannedTarget last = target(UUID.randomUUID(), email, 3);
        String cursor = PreviewCursor.after(last, PreviewCursor.planKey(PORTFOLIO, OFFBOARD_ANN, KEY), KEY)
                .encode();
        StringBuilder decoded = new StringBuilder();
        for (String part : cursor.split("\\.")) {
            decoded.append(new String(Base64.getUrlDecoder().decode(part), StandardCharsets.UTF_8))
                    .append('|');
        }
        byte[] sha256 = MessageDigest.getInstance("SHA-256").digest(email.getBytes(StandardCharsets.UTF_8));

        assertThat(decoded.toString())
                .doesNotContain(email)
                .doesNotContain(HexFormat.of().formatHex(sha256, 0, 4))
                .doesNotContain(Base64.getUrlEncoder()
                        .withoutPadding()
                        .encodeToString(sha256)
                        .substring(0, 6));
        DerivedKeys.Key otherSecret = new DerivedKeys("another-gateway-secret-0123456789abcdefgh", "")
                .key(PreviewCursor.PURPOSE)
                .current();
        assertThat(PreviewCursor.after(last, "plan", otherSecret).userKey())
                .isNotEqualTo(PreviewCursor.after(last, "plan", KEY).userKey());
    }

    @Test
    void aCursorOfAnotherRequestIsRefusedNamingTheCursor() {
        PreviewCursor cursor = PreviewCursor.after(
                target(UUID.randomUUID(), "ann@brand.example", 1),
                PreviewCursor.planKey(PORTFOLIO, OFFBOARD_ANN, KEY),
                KEY);

        assertThatThrownBy(() -> read(cursor.encode(), UUID.randomUUID(), OFFBOARD_ANN))
                .isInstanceOfSatisfying(InvalidPageRequestException.class, ex -> {
                    assertThat(ex.parameter()).isEqualTo("cursor");
                    assertThat(ex.getMessage()).contains("another request");
                });
    }

    @Test
    void anythingElseIsNotACursor() {
        String planKey = PreviewCursor.planKey(PORTFOLIO, OFFBOARD_ANN, KEY);
        List<String> garbage = List.of(
                "x",
                "not base64!",
                Cursor.of("jobs", 1, UUID.randomUUID(), "ab", planKey).encode(),
                Cursor.of(PreviewCursor.LIST, "one", "two").encode(),
                Cursor.of(PreviewCursor.LIST, 1, UUID.randomUUID(), "ab").encode());
        for (String cursor : garbage) {
            assertThatThrownBy(() -> read(cursor, PORTFOLIO, OFFBOARD_ANN))
                    .as(cursor)
                    .isInstanceOfSatisfying(
                            InvalidPageRequestException.class,
                            ex -> assertThat(ex.parameter()).isEqualTo("cursor"));
        }
    }

    /**
     * While the shared secret is rotated, a cursor made with the accepted secret's key (by a gateway
     * that has not changed yet, or before the change) is read with that key and names its item; one of
     * any other secret belongs to no request.
     */
    @Test
    void aCursorMadeWithTheAcceptedSecretsKeyIsReadWithIt() {
        String oldSecret = "the-secret-before-the-rotation-0123456789";
        SharedKeys<DerivedKeys.Key> rotated =
                new DerivedKeys("the-secret-after-the-rotation-0123456789", oldSecret).key(PreviewCursor.PURPOSE);
        DerivedKeys.Key old =
                new DerivedKeys(oldSecret, "").key(PreviewCursor.PURPOSE).current();
        PlannedTarget last = target(UUID.randomUUID(), "ann@brand.example", 4);
        String cursor = PreviewCursor.after(last, PreviewCursor.planKey(PORTFOLIO, OFFBOARD_ANN, old), old)
                .encode();

        PreviewCursor decoded = PreviewCursor.of(page(cursor), PORTFOLIO, OFFBOARD_ANN, rotated);

        assertThat(decoded.position()).isEqualTo(4);
        assertThat(decoded.names(last)).isTrue();
        assertThat(decoded.names(target(last.accountId(), "bob@brand.example", 4)))
                .isFalse();
        assertThatThrownBy(() -> PreviewCursor.of(page(cursor), PORTFOLIO, OFFBOARD_ANN, KEYS))
                .as("read by a gateway that does not accept the old secret")
                .isInstanceOf(InvalidPageRequestException.class);
    }

    private static PreviewCursor read(String cursor, UUID portfolioId, ValidatedJobRequest request) {
        return PreviewCursor.of(page(cursor), portfolioId, request, KEYS);
    }

    private static PageRequest page(String cursor) {
        return PageRequest.of(null, cursor, PreviewCursor.LIST);
    }

    static PlannedTarget target(UUID accountId, String email, long position) {
        return new PlannedTarget(
                position,
                accountId,
                UUID.randomUUID(),
                email,
                TaskAction.REMOVE,
                null,
                new TargetSnapshot(true, false, Optional.empty()));
    }
}

package com.portfoliobulk.gateway.preview;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.portfoliobulk.contracts.TaskAction;
import com.portfoliobulk.gateway.jobs.JobRequestValidation;
import com.portfoliobulk.gateway.jobs.OffboardUsers;
import com.portfoliobulk.gateway.jobs.PlannedTarget;
import com.portfoliobulk.gateway.jobs.ValidatedJobRequest;
import com.portfoliobulk.gateway.web.FieldProblem;
import com.portfoliobulk.gateway.web.InvalidParameterException;
import com.portfoliobulk.rules.TargetSnapshot;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class PreviewCursorTests {

    private static final UUID PORTFOLIO = UUID.randomUUID();

    private static final ValidatedJobRequest OFFBOARD_ANN =
            JobRequestValidation.validate(new OffboardUsers(List.of(UUID.randomUUID())));

    @Test
    void aCursorComesBackAsTheSameCursorAndNamesTheItemItWasMadeAfter() {
        String planKey = PreviewCursor.planKey(PORTFOLIO, OFFBOARD_ANN);
        PlannedTarget last = target(UUID.randomUUID(), "ann@brand.example", 7);

        PreviewCursor decoded =
                PreviewCursor.decode(PreviewCursor.after(last, planKey).encode());

        assertThat(decoded.position()).isEqualTo(7);
        assertThat(decoded.names(last)).isTrue();
        assertThat(decoded.names(target(last.accountId(), "bob@brand.example", 7)))
                .isFalse();
        assertThat(decoded.names(target(UUID.randomUUID(), "ann@brand.example", 7)))
                .isFalse();
        assertThat(decoded.requirePlan(planKey)).isEqualTo(decoded);
    }

    @Test
    void theSameRequestHasTheSamePlanKeyAndAnotherRequestOrPortfolioAnother() {
        ValidatedJobRequest same = JobRequestValidation.validate(OFFBOARD_ANN.request());
        ValidatedJobRequest other = JobRequestValidation.validate(new OffboardUsers(List.of(UUID.randomUUID())));

        assertThat(PreviewCursor.planKey(PORTFOLIO, same)).isEqualTo(PreviewCursor.planKey(PORTFOLIO, OFFBOARD_ANN));
        assertThat(PreviewCursor.planKey(PORTFOLIO, other))
                .isNotEqualTo(PreviewCursor.planKey(PORTFOLIO, OFFBOARD_ANN));
        assertThat(PreviewCursor.planKey(UUID.randomUUID(), OFFBOARD_ANN))
                .isNotEqualTo(PreviewCursor.planKey(PORTFOLIO, OFFBOARD_ANN));
    }

    @Test
    void aCursorOfAnotherRequestIsRefusedNamingTheCursor() {
        PreviewCursor cursor = PreviewCursor.after(
                target(UUID.randomUUID(), "ann@brand.example", 1), PreviewCursor.planKey(PORTFOLIO, OFFBOARD_ANN));

        assertThatThrownBy(() -> cursor.requirePlan(PreviewCursor.planKey(UUID.randomUUID(), OFFBOARD_ANN)))
                .isInstanceOfSatisfying(
                        InvalidParameterException.class,
                        ex -> assertThat(field(ex)).isEqualTo("cursor"));
    }

    @Test
    void anythingElseIsNotACursor() {
        String wrongVersion = Base64.getUrlEncoder()
                .encodeToString(("p0:1:" + UUID.randomUUID() + ":ab:cd").getBytes(StandardCharsets.UTF_8));
        for (String garbage : List.of("x", "not base64!", wrongVersion, "A".repeat(201), encode("p1:one:two"))) {
            assertThatThrownBy(() -> PreviewCursor.decode(garbage))
                    .as(garbage)
                    .isInstanceOfSatisfying(
                            InvalidParameterException.class,
                            ex -> assertThat(field(ex)).isEqualTo("cursor"));
        }
    }

    private static String encode(String raw) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
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

    @SuppressWarnings("unchecked")
    private static String field(InvalidParameterException ex) {
        List<FieldProblem> errors =
                (List<FieldProblem>) ex.getBody().getProperties().get("errors");
        return errors.getFirst().field();
    }
}

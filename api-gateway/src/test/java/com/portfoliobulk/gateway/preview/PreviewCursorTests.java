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
import com.portfoliobulk.rules.TargetSnapshot;
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

        PreviewCursor decoded = read(PreviewCursor.after(last, planKey).encode(), planKey);

        assertThat(decoded.position()).isEqualTo(7);
        assertThat(decoded.names(last)).isTrue();
        assertThat(decoded.names(target(last.accountId(), "bob@brand.example", 7)))
                .isFalse();
        assertThat(decoded.names(target(UUID.randomUUID(), "ann@brand.example", 7)))
                .isFalse();
        assertThat(decoded).isEqualTo(PreviewCursor.after(last, planKey));
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

        assertThatThrownBy(() -> read(cursor.encode(), PreviewCursor.planKey(UUID.randomUUID(), OFFBOARD_ANN)))
                .isInstanceOfSatisfying(InvalidPageRequestException.class, ex -> {
                    assertThat(ex.parameter()).isEqualTo("cursor");
                    assertThat(ex.getMessage()).contains("another request");
                });
    }

    @Test
    void anythingElseIsNotACursor() {
        String planKey = PreviewCursor.planKey(PORTFOLIO, OFFBOARD_ANN);
        List<String> garbage = List.of(
                "x",
                "not base64!",
                Cursor.of("jobs", 1, UUID.randomUUID(), "ab", planKey).encode(),
                Cursor.of(PreviewCursor.LIST, "one", "two").encode(),
                Cursor.of(PreviewCursor.LIST, 1, UUID.randomUUID(), "ab").encode());
        for (String cursor : garbage) {
            assertThatThrownBy(() -> read(cursor, planKey))
                    .as(cursor)
                    .isInstanceOfSatisfying(
                            InvalidPageRequestException.class,
                            ex -> assertThat(ex.parameter()).isEqualTo("cursor"));
        }
    }

    private static PreviewCursor read(String cursor, String planKey) {
        return PreviewCursor.of(PageRequest.of(null, cursor, PreviewCursor.LIST), planKey);
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

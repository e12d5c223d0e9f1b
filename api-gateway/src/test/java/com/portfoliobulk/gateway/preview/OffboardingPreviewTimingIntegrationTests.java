package com.portfoliobulk.gateway.preview;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.gateway.support.GatewayCalls.Answer;
import com.portfoliobulk.testsupport.DirectorySeed;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The headline scenario previewed: one user offboarded from 2,000 accounts answers well within a
 * second over HTTP, warm, and its plan pages through every account.
 */
class OffboardingPreviewTimingIntegrationTests extends PreviewIntegrationTest {

    private static final Logger log = LoggerFactory.getLogger(OffboardingPreviewTimingIntegrationTests.class);

    private static final int ACCOUNTS = 2_000;

    private static final int WARM_UP = 3;

    private static final int MEASURED = 9;

    @Test
    void previewingTheOffboardingOfAMemberOf2000AccountsAnswersInUnderASecond() {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        UUID leaver = portfolio.user("leaver");
        portfolio.generateAccountsWithMember(ACCOUNTS, leaver, AccountRole.MANAGER);
        String body = "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[\"" + leaver + "\"]}";

        for (int i = 0; i < WARM_UP; i++) {
            assertThat(preview(portfolio.id(), "", body).status()).isEqualTo(200);
        }
        List<Duration> times = new ArrayList<>();
        Answer answer = null;
        for (int i = 0; i < MEASURED; i++) {
            long start = System.nanoTime();
            answer = preview(portfolio.id(), "", body);
            times.add(Duration.ofNanos(System.nanoTime() - start));
            assertThat(answer.status()).as(answer.text()).isEqualTo(200);
        }

        List<Duration> sorted = times.stream().sorted().toList();
        Duration median = sorted.get(MEASURED / 2);
        log.info(
                "Preview of OFFBOARD_USERS over {} accounts, first page of 50, HTTP round trip, warm: median {} ms,"
                        + " min {} ms, max {} ms over {} calls",
                ACCOUNTS,
                millis(median),
                millis(sorted.getFirst()),
                millis(sorted.getLast()),
                MEASURED);
        assertThat(median).isLessThan(Duration.ofSeconds(1));
        assertThat(answer.body().path("summary").path("changes").asLong()).isEqualTo(ACCOUNTS);
        assertThat(answer.body().path("summary").path("skipped").asLong()).isZero();
        assertThat(answer.body().path("items").size()).isEqualTo(50);
        assertThat(new HashSet<>(allItems(portfolio.id(), body, 500).stream()
                        .map(item -> item.path("accountId").asString())
                        .toList()))
                .as("four pages of 500 list every account once")
                .hasSize(ACCOUNTS);
    }

    private static String millis(Duration duration) {
        return String.format("%.1f", duration.toNanos() / 1e6);
    }
}

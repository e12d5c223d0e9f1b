package com.portfoliobulk.gateway.preview;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.gateway.support.GatewayCalls.Answer;
import com.portfoliobulk.testsupport.DirectorySeed;
import java.util.HashSet;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The headline scenario previewed: one user offboarded from 2,000 accounts counts every account and its
 * plan pages through each once. How fast it answers is the benchmark's to measure (bench/), not a test's.
 */
class OffboardingPreviewAtScaleIntegrationTests extends PreviewIntegrationTest {

    private static final int ACCOUNTS = 2_000;

    @Test
    void previewingTheOffboardingOfAMemberOf2000AccountsCountsAndPagesThroughEveryAccount() {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        UUID leaver = portfolio.user("leaver");
        portfolio.generateAccountsWithMember(ACCOUNTS, leaver, AccountRole.MANAGER);
        String body = "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[\"" + leaver + "\"]}";

        Answer answer = preview(portfolio.id(), "", body);

        assertThat(answer.status()).as(answer.text()).isEqualTo(200);
        assertThat(answer.body().path("summary").path("changes").asLong()).isEqualTo(ACCOUNTS);
        assertThat(answer.body().path("summary").path("skipped").asLong()).isZero();
        assertThat(answer.body().path("items").size()).isEqualTo(50);
        assertThat(new HashSet<>(allItems(portfolio.id(), body, 500).stream()
                        .map(item -> item.path("accountId").asString())
                        .toList()))
                .as("four pages of 500 list every account once")
                .hasSize(ACCOUNTS);
    }
}

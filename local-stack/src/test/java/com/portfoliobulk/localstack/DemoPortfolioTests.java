package com.portfoliobulk.localstack;

import static java.util.stream.Collectors.counting;
import static java.util.stream.Collectors.groupingBy;
import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.MembershipState;
import com.portfoliobulk.localstack.DirectorySnapshot.Membership;
import com.portfoliobulk.localstack.DirectorySnapshot.User;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class DemoPortfolioTests {

    private static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");

    private final DirectorySnapshot demo = DemoPortfolio.generate(NOW);

    @Test
    void isTheSameEveryTime() {
        assertThat(DemoPortfolio.generate(NOW)).isEqualTo(demo);
        assertThat(DemoPortfolio.generate(NOW.plusSeconds(3600)).memberships().stream()
                        .map(m -> m.accountId() + "/" + m.userId() + "/" + m.role() + "/" + m.state())
                        .toList())
                .isEqualTo(demo.memberships().stream()
                        .map(m -> m.accountId() + "/" + m.userId() + "/" + m.role() + "/" + m.state())
                        .toList());
    }

    @Test
    void hasTwoHundredAccountsEachWithExactlyOneOwner() {
        assertThat(demo.portfolioId()).hasToString("00000000-0000-0000-0000-000000000001");
        assertThat(demo.portfolioName()).isEqualTo("Demo Agency");
        assertThat(demo.accounts()).hasSize(200);
        assertThat(demo.accounts().stream().map(DirectorySnapshot.Account::name).distinct())
                .hasSize(200);
        Map<UUID, Long> owners = demo.memberships().stream()
                .filter(m -> m.role().isOwner())
                .collect(groupingBy(Membership::accountId, counting()));
        assertThat(owners)
                .hasSize(200)
                .allSatisfy((account, count) -> assertThat(count).isOne());
        assertThat(demo.memberships())
                .filteredOn(m -> m.role().isOwner())
                .allSatisfy(m -> assertThat(m.state()).isEqualTo(MembershipState.ACTIVE));
    }

    @Test
    void hasAboutThreeHundredUsersWithMixedRolesSomeIdpManaged() {
        List<User> users = demo.users();
        assertThat(users).hasSize(300);
        assertThat(users.stream().map(User::email))
                .doesNotHaveDuplicates()
                .allSatisfy(email -> assertThat(email)
                        .isEqualTo(email.toLowerCase(Locale.ROOT))
                        .contains("@"));
        long idpManaged = users.stream().filter(User::idpManaged).count();
        assertThat(idpManaged).isBetween(24L, 36L);
        assertThat(demo.memberships().stream().map(Membership::role).distinct())
                .containsExactlyInAnyOrderElementsOf(AccountRole.standardRoles());
        assertThat(demo.memberships())
                .filteredOn(m -> m.state() == MembershipState.INVITED)
                .isNotEmpty()
                .allSatisfy(m -> {
                    assertThat(m.expiresAt())
                            .isAfter(NOW)
                            .isEqualTo(m.invitedAt().plus(java.time.Duration.ofDays(7)));
                    assertThat(m.invitationToken()).hasSize(32);
                });
        Map<UUID, Long> accountsPerUser =
                demo.memberships().stream().collect(groupingBy(Membership::userId, counting()));
        assertThat(accountsPerUser).hasSize(300);
        assertThat(accountsPerUser.values()).anyMatch(count -> count >= 50).anyMatch(count -> count <= 3);
        Set<String> pairs = new HashSet<>();
        assertThat(demo.memberships()).allMatch(m -> pairs.add(m.accountId() + "/" + m.userId()));
    }

    @Test
    void namesTheUsersOfTheWalkthrough() {
        assertThat(demo.users())
                .contains(
                        new User(DemoPortfolio.ADMIN_ID, "admin@demo.example", false),
                        new User(DemoPortfolio.LEAVER_ID, "leaver@demo.example", false),
                        new User(DemoPortfolio.IDP_MANAGED_USER_ID, "morgan.sso@demo.example", true));

        assertThat(membershipsOf(DemoPortfolio.ADMIN_ID))
                .hasSize(200)
                .allSatisfy(m -> assertThat(m.role()).isEqualTo(AccountRole.ADMIN));
        List<Membership> leaver = membershipsOf(DemoPortfolio.LEAVER_ID);
        assertThat(leaver).hasSize(150).allSatisfy(m -> assertThat(m.state()).isEqualTo(MembershipState.ACTIVE));
        assertThat(leaver)
                .filteredOn(m -> m.role().isOwner())
                .extracting(Membership::accountId)
                .containsExactlyInAnyOrder(DemoPortfolio.accountId(1), DemoPortfolio.accountId(2));
        assertThat(leaver)
                .filteredOn(m -> m.accountId().equals(DemoPortfolio.WALKTHROUGH_ACCOUNT_ID))
                .singleElement()
                .extracting(Membership::role)
                .isEqualTo(AccountRole.MANAGER);
        assertThat(membershipsOf(DemoPortfolio.IDP_MANAGED_USER_ID)).hasSize(60);
    }

    private List<Membership> membershipsOf(UUID userId) {
        return demo.memberships().stream()
                .filter(m -> m.userId().equals(userId))
                .toList();
    }
}

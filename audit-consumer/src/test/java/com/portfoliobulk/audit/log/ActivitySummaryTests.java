package com.portfoliobulk.audit.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.portfoliobulk.audit.ActivityEvents;
import com.portfoliobulk.contracts.AccountActivityEvent;
import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.ActivityAction;
import com.portfoliobulk.contracts.Actor;
import com.portfoliobulk.contracts.UserRef;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ActivitySummaryTests {

    private static final Actor ADMIN = new Actor(UUID.randomUUID(), "admin@agency.com");

    private static final UserRef ANN = new UserRef(UUID.randomUUID(), "ann@x.com");

    @Test
    void invitation() {
        assertThat(ActivitySummary.of(event(ActivityAction.USER_INVITED, ANN, null, AccountRole.ANALYST)))
                .isEqualTo("ann@x.com was invited as Analyst by admin@agency.com from the portfolio level");
    }

    @Test
    void roleChange() {
        assertThat(ActivitySummary.of(
                        event(ActivityAction.ROLE_CHANGED, ANN, AccountRole.ANALYST, AccountRole.MANAGER)))
                .isEqualTo(
                        "Role of ann@x.com changed from Analyst to Manager by admin@agency.com from the portfolio level");
    }

    @Test
    void removal() {
        assertThat(ActivitySummary.of(event(ActivityAction.ACCESS_REMOVED, ANN, AccountRole.MANAGER, null)))
                .isEqualTo("Access of ann@x.com (Manager) removed by admin@agency.com from the portfolio level");
    }

    @Test
    void removalByTheIdentityProvider() {
        AccountActivityEvent event = ActivityEvents.event(
                UUID.randomUUID(),
                UUID.randomUUID(),
                UUID.randomUUID(),
                Actor.identityProvider(UUID.randomUUID()),
                ActivityAction.ACCESS_REMOVED,
                ANN,
                AccountRole.ANALYST,
                null,
                Instant.parse("2026-11-24T10:00:00Z"));

        assertThat(ActivitySummary.of(event))
                .isEqualTo("Access of ann@x.com (Analyst) removed by your identity provider from the portfolio level");
    }

    @Test
    void invitationsResentRevokedAndExpired() {
        assertThat(ActivitySummary.of(event(ActivityAction.INVITATION_RESENT, ANN, AccountRole.ANALYST, null)))
                .isEqualTo("Invitation of ann@x.com (Analyst) sent again by admin@agency.com from the portfolio level");
        assertThat(ActivitySummary.of(event(ActivityAction.INVITATION_REVOKED, ANN, AccountRole.ANALYST, null)))
                .isEqualTo("Invitation of ann@x.com (Analyst) revoked by admin@agency.com from the portfolio level");
        assertThat(ActivitySummary.of(event(ActivityAction.INVITATION_EXPIRED, ANN, AccountRole.SUPPORT, null)))
                .isEqualTo("Invitation of ann@x.com (Support) expired unaccepted");
        assertThat(ActivitySummary.of(event(ActivityAction.INVITATION_ACCEPTED, ANN, null, AccountRole.MANAGER)))
                .isEqualTo("ann@x.com accepted the invitation and is now Manager");
    }

    @Test
    void linkChangesNameThePortfolioAndTheOwner() {
        UUID portfolio = UUID.randomUUID();
        for (ActivityAction action :
                new ActivityAction[] {ActivityAction.ACCOUNT_LINKED, ActivityAction.ACCOUNT_UNLINKED}) {
            AccountActivityEvent event =
                    ActivityEvents.linkChange(portfolio, UUID.randomUUID(), ADMIN, action, Instant.now());
            assertThat(ActivitySummary.of(event))
                    .isEqualTo("Account " + (action == ActivityAction.ACCOUNT_LINKED ? "linked to" : "unlinked from")
                            + " portfolio " + portfolio + " by admin@agency.com from the portfolio level");
        }
        // A change of a user's access still needs its job, task and user.
        assertThatThrownBy(() -> new AccountActivityEvent(
                        AccountActivityEvent.VERSION,
                        UUID.randomUUID(),
                        Instant.now(),
                        UUID.randomUUID(),
                        portfolio,
                        null,
                        null,
                        ActivityAction.ROLE_CHANGED,
                        ANN,
                        AccountRole.ANALYST,
                        AccountRole.MANAGER,
                        com.portfoliobulk.contracts.InitiationLevel.PORTFOLIO,
                        ADMIN,
                        null,
                        null))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("jobId");
    }

    @Test
    void rolesReadAsPeopleWriteThem() {
        assertThat(ActivitySummary.of(event(
                        ActivityAction.ROLE_CHANGED,
                        ANN,
                        AccountRole.CAMPAIGN_COORDINATOR,
                        AccountRole.CONTENT_CREATOR)))
                .isEqualTo("Role of ann@x.com changed from Campaign coordinator to Content creator"
                        + " by admin@agency.com from the portfolio level");
    }

    /** A custom account role reads as its portfolio named it, when the event tells it, else as its code in words. */
    @Test
    void customRolesReadAsTheirPortfolioNamedThem() {
        AccountRole lead = new AccountRole("RL_EMEA");
        AccountActivityEvent changed = event(ActivityAction.ROLE_CHANGED, ANN, lead, AccountRole.MANAGER);

        assertThat(ActivitySummary.of(changed.withRoleNames("Regional lead EMEA", null)))
                .isEqualTo("Role of ann@x.com changed from Regional lead EMEA to Manager"
                        + " by admin@agency.com from the portfolio level");
        assertThat(ActivitySummary.of(changed))
                .isEqualTo(
                        "Role of ann@x.com changed from Rl emea to Manager by admin@agency.com from the portfolio level");
        assertThat(ActivitySummary.of(event(ActivityAction.INVITATION_EXPIRED, ANN, lead, null)
                        .withRoleNames("Regional lead EMEA", null)))
                .isEqualTo("Invitation of ann@x.com (Regional lead EMEA) expired unaccepted");
    }

    /**
     * A custom role's name stored before names had to be one line: its line breaks and direction
     * controls read as U+FFFD, so the name cannot make the summary read as another sentence.
     */
    @Test
    void aCustomRolesLineBreaksAndDirectionControlsAreNotRepeated() {
        AccountActivityEvent changed =
                event(ActivityAction.ROLE_CHANGED, ANN, new AccountRole("RL_EMEA"), AccountRole.MANAGER);

        assertThat(ActivitySummary.of(changed.withRoleNames("Lead\u202E x\nRole of bob@x.com changed", null)))
                .isEqualTo("Role of ann@x.com changed from Lead\uFFFD x\uFFFDRole of bob@x.com changed to Manager"
                        + " by admin@agency.com from the portfolio level");
    }

    @Test
    void targetWithoutEmailIsNamedByUserId() {
        UUID userId = UUID.randomUUID();

        assertThat(ActivitySummary.of(
                        event(ActivityAction.ACCESS_REMOVED, new UserRef(userId, null), AccountRole.SUPPORT, null)))
                .isEqualTo("Access of " + userId + " (Support) removed by admin@agency.com from the portfolio level");
    }

    @Test
    void eventWithoutTheRolesItsActionNeedsIsInvalid() {
        assertThatThrownBy(() -> ActivitySummary.of(event(ActivityAction.USER_INVITED, ANN, null, null)))
                .isInstanceOf(InvalidActivityEventException.class)
                .hasMessageContaining("newRole");
        assertThatThrownBy(() -> ActivitySummary.of(event(ActivityAction.ROLE_CHANGED, ANN, null, AccountRole.MANAGER)))
                .isInstanceOf(InvalidActivityEventException.class)
                .hasMessageContaining("previousRole");
        assertThatThrownBy(() -> ActivitySummary.of(event(ActivityAction.ACCESS_REMOVED, ANN, null, null)))
                .isInstanceOf(InvalidActivityEventException.class)
                .hasMessageContaining("previousRole");
    }

    private static AccountActivityEvent event(
            ActivityAction action, UserRef target, AccountRole previousRole, AccountRole newRole) {
        return ActivityEvents.event(
                UUID.randomUUID(),
                UUID.randomUUID(),
                UUID.randomUUID(),
                ADMIN,
                action,
                target,
                previousRole,
                newRole,
                Instant.parse("2026-11-24T10:00:00Z"));
    }
}

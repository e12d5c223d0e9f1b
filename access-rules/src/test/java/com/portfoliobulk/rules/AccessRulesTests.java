package com.portfoliobulk.rules;

import static com.portfoliobulk.contracts.AccountRole.ANALYST;
import static com.portfoliobulk.contracts.AccountRole.MANAGER;
import static com.portfoliobulk.contracts.AccountRole.OWNER;
import static com.portfoliobulk.contracts.TaskAction.CHANGE_ROLE;
import static com.portfoliobulk.contracts.TaskAction.INVITE;
import static com.portfoliobulk.contracts.TaskAction.REMOVE;
import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.MembershipState;
import com.portfoliobulk.contracts.ReasonCode;
import com.portfoliobulk.contracts.TaskAction;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AccessRulesTests {

    private static final Instant NOW = Instant.parse("2026-11-24T10:00:00Z");

    @Test
    void invitesSomeoneWithoutAccess() {
        assertThat(decide(INVITE, ANALYST, linked(null))).isEqualTo(Decision.change());
    }

    @Test
    void invitationForAMemberOrPendingInviteeIsSkipped() {
        assertThat(decide(INVITE, ANALYST, linked(CurrentMembership.active(MANAGER)))
                        .reason())
                .isEqualTo(ReasonCode.ALREADY_MEMBER);
        assertThat(decide(INVITE, ANALYST, linked(invited(ANALYST, NOW.plus(Duration.ofDays(1)))))
                        .reason())
                .isEqualTo(ReasonCode.ALREADY_MEMBER);
    }

    @Test
    void expiredInvitationCountsAsNoAccess() {
        CurrentMembership expired = invited(ANALYST, NOW.minusSeconds(1));
        assertThat(decide(INVITE, ANALYST, linked(expired))).isEqualTo(Decision.change());
        assertThat(decide(REMOVE, null, linked(expired)).reason()).isEqualTo(ReasonCode.NOT_A_MEMBER);
    }

    @Test
    void onlyAPendingInvitationIsResentOrRevoked() {
        CurrentMembership pending = invited(ANALYST, NOW.plus(Duration.ofDays(1)));
        CurrentMembership expired = invited(ANALYST, NOW.minusSeconds(1));
        for (TaskAction action : new TaskAction[] {TaskAction.RESEND_INVITATION, TaskAction.REVOKE_INVITATION}) {
            assertThat(decide(action, null, linked(pending))).isEqualTo(Decision.change());
            assertThat(decide(action, null, linked(CurrentMembership.active(MANAGER)))
                            .reason())
                    .isEqualTo(ReasonCode.NOT_A_PENDING_INVITATION);
            assertThat(decide(action, null, linked(expired)).reason()).isEqualTo(ReasonCode.NOT_A_PENDING_INVITATION);
            assertThat(decide(action, null, linked(null)).reason()).isEqualTo(ReasonCode.NOT_A_PENDING_INVITATION);
        }
    }

    @Test
    void ownerIsNeverChangedRemovedOrGranted() {
        assertThat(decide(CHANGE_ROLE, MANAGER, linked(CurrentMembership.active(OWNER)))
                        .reason())
                .isEqualTo(ReasonCode.OWNER_PROTECTED);
        assertThat(decide(REMOVE, null, linked(CurrentMembership.active(OWNER))).reason())
                .isEqualTo(ReasonCode.OWNER_PROTECTED);
        assertThat(decide(CHANGE_ROLE, OWNER, linked(CurrentMembership.active(ANALYST)))
                        .reason())
                .isEqualTo(ReasonCode.OWNER_PROTECTED);
    }

    @Test
    void idpManagedUsersAreLockedForEveryAction() {
        TargetSnapshot idpUser = new TargetSnapshot(true, true, Optional.of(CurrentMembership.active(ANALYST)));
        for (TaskAction action : TaskAction.values()) {
            assertThat(decide(action, action == REMOVE ? null : MANAGER, idpUser)
                            .reason())
                    .isEqualTo(ReasonCode.IDP_MANAGED);
        }
    }

    @Test
    void roleChangeToTheSameRoleIsNoChange() {
        assertThat(decide(CHANGE_ROLE, ANALYST, linked(CurrentMembership.active(ANALYST)))
                        .reason())
                .isEqualTo(ReasonCode.NO_CHANGE);
        assertThat(decide(CHANGE_ROLE, MANAGER, linked(CurrentMembership.active(ANALYST))))
                .isEqualTo(Decision.change());
    }

    @Test
    void pendingInvitationCanBeReRoledOrRevoked() {
        CurrentMembership pending = invited(ANALYST, NOW.plus(Duration.ofDays(3)));
        assertThat(decide(CHANGE_ROLE, MANAGER, linked(pending))).isEqualTo(Decision.change());
        assertThat(decide(REMOVE, null, linked(pending))).isEqualTo(Decision.change());
    }

    @Test
    void nonMembersCannotBeChangedOrRemoved() {
        assertThat(decide(CHANGE_ROLE, MANAGER, linked(null)).reason()).isEqualTo(ReasonCode.NOT_A_MEMBER);
        assertThat(decide(REMOVE, null, linked(null)).reason()).isEqualTo(ReasonCode.NOT_A_MEMBER);
    }

    @Test
    void unlinkedAccountWinsOverEveryOtherRule() {
        TargetSnapshot unlinked = new TargetSnapshot(false, true, Optional.of(CurrentMembership.active(OWNER)));
        assertThat(decide(REMOVE, null, unlinked).reason()).isEqualTo(ReasonCode.ACCOUNT_NOT_IN_PORTFOLIO);
    }

    private static Decision decide(TaskAction action, AccountRole role, TargetSnapshot target) {
        return AccessRules.decide(action, role, target, NOW);
    }

    private static TargetSnapshot linked(CurrentMembership membership) {
        return new TargetSnapshot(true, false, Optional.ofNullable(membership));
    }

    private static CurrentMembership invited(AccountRole role, Instant expiresAt) {
        return new CurrentMembership(role, MembershipState.INVITED, expiresAt);
    }
}

package com.portfoliobulk.gateway.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.JobType;
import com.portfoliobulk.gateway.jobs.InviteUsers.AccountInvitation;
import com.portfoliobulk.gateway.jobs.UpdateRolesByAssignment.RoleAssignment;
import com.portfoliobulk.gateway.web.FieldProblem;
import com.portfoliobulk.gateway.web.RequestRefusedException;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class JobRequestValidationTests {

    private final UUID account = UUID.randomUUID();

    private final UUID otherAccount = UUID.randomUUID();

    private final UUID user = UUID.randomUUID();

    @Test
    void fillsInTheInvitationDefaultsAndNormalizesAddresses() {
        ValidatedJobRequest validated = JobRequestValidation.validate(new InviteUsers(
                List.of(" Ann@Brand.Example ", "bob@brand.example"),
                null,
                List.of(new AccountInvitation(account, null), new AccountInvitation(otherAccount, AccountRole.ADMIN)),
                null));

        assertThat(validated.request())
                .isEqualTo(new InviteUsers(
                        List.of("ann@brand.example", "bob@brand.example"),
                        "en",
                        List.of(
                                new AccountInvitation(account, AccountRole.SUPPORT),
                                new AccountInvitation(otherAccount, AccountRole.ADMIN)),
                        7));
        assertThat(validated.knownTaskCount()).hasValue(4);
    }

    @Test
    void normalizesTheLanguageTag() {
        InviteUsers invite = (InviteUsers) JobRequestValidation.validate(new InviteUsers(
                        List.of("ann@brand.example"), "pt_br", List.of(new AccountInvitation(account, null)), 30))
                .request();

        assertThat(invite.language()).isEqualTo("pt-BR");
        assertThat(invite.expiresInDays()).isEqualTo(30);
    }

    @Test
    void reportsEveryProblemOfAnInvitationAtOnce() {
        InvalidJobRequestException invalid = invalid(new InviteUsers(
                Arrays.asList("ann@brand.example", "not an address", "ANN@brand.example", null, "x@y"),
                "!!",
                List.of(
                        new AccountInvitation(account, AccountRole.OWNER),
                        new AccountInvitation(null, null),
                        new AccountInvitation(otherAccount, null),
                        new AccountInvitation(otherAccount, null)),
                31));

        assertThat(invalid.errors())
                .extracting(FieldProblem::field)
                .containsExactly(
                        "emails[1]",
                        "emails[2]",
                        "emails[3]",
                        "emails[4]",
                        "accounts[0].role",
                        "accounts[1].accountId",
                        "accounts[3].accountId",
                        "expiresInDays",
                        "language");
        assertThat(invalid.errors().get(1).message()).contains("listed twice", "emails[0]");
        assertThat(invalid.errors().get(4).message()).contains("must not be OWNER");
        assertThat(invalid.reason()).isEqualTo(RequestRefusedException.Reason.INVALID_CONTENT);
    }

    @Test
    void refusesEmptyLists() {
        assertThat(invalid(new InviteUsers(List.of(), null, null, null)).errors())
                .extracting(FieldProblem::field)
                .containsExactly("emails", "accounts");
        assertThat(invalid(new OffboardUsers(List.of())).errors())
                .extracting(FieldProblem::field)
                .containsExactly("userIds");
        assertThat(invalid(new RemoveAccess(null, List.of())).errors())
                .extracting(FieldProblem::field)
                .containsExactly("userIds", "accountIds");
        assertThat(invalid(new UpdateRolesByAssignment(List.of())).errors())
                .extracting(FieldProblem::field)
                .containsExactly("assignments");
    }

    @Test
    void resendAndRevokeNeedUsersAndAccountsAndAResendAValidExpiry() {
        ValidatedJobRequest resend =
                JobRequestValidation.validate(new ResendInvitations(List.of(user), List.of(account), null));
        assertThat(resend.request()).isEqualTo(new ResendInvitations(List.of(user), List.of(account), 7));
        assertThat(resend.knownTaskCount()).hasValue(1);
        assertThat(invalid(new ResendInvitations(List.of(user), List.of(), 31)).errors())
                .extracting(FieldProblem::field)
                .containsExactly("accountIds", "expiresInDays");
        assertThat(invalid(new RevokeInvitations(null, List.of(account))).errors())
                .extracting(FieldProblem::field)
                .containsExactly("userIds");
        assertThat(JobRequestValidation.validate(new RevokeInvitations(List.of(user), List.of(account)))
                        .type())
                .isEqualTo(JobType.REVOKE_INVITATIONS);
    }

    @Test
    void refusesDuplicateAndNullIds() {
        assertThat(invalid(new RemoveAccess(Arrays.asList(user, null, user), List.of(account)))
                        .errors())
                .extracting(FieldProblem::field)
                .containsExactly("userIds[1]", "userIds[2]");
    }

    @Test
    void refusesOwnerAndMissingRolesAndRepeatedAssignments() {
        assertThat(invalid(new UpdateRolesBySelection(List.of(user), List.of(account), AccountRole.OWNER))
                        .errors())
                .extracting(FieldProblem::field)
                .containsExactly("role");
        assertThat(invalid(new UpdateRolesBySelection(List.of(user), List.of(account), null))
                        .errors())
                .extracting(FieldProblem::field)
                .containsExactly("role");
        assertThat(invalid(new UpdateRolesByAssignment(List.of(
                                new RoleAssignment(user, account, AccountRole.ADMIN),
                                new RoleAssignment(user, account, AccountRole.MANAGER),
                                new RoleAssignment(null, account, AccountRole.OWNER))))
                        .errors())
                .extracting(FieldProblem::field)
                .containsExactly("assignments[1]", "assignments[2].userId", "assignments[2].role");
    }

    @Test
    void listsAtMostTwentyProblems() {
        List<String> bad = IntStream.range(0, 50).mapToObj(i -> "bad" + i).toList();

        InvalidJobRequestException invalid =
                invalid(new InviteUsers(bad, null, List.of(new AccountInvitation(account, null)), null));

        assertThat(invalid.errors()).hasSize(JobRequestValidation.MAX_ERRORS);
        assertThat(invalid.getMessage()).contains("50 problem(s)");
    }

    @Test
    void aValidRequestIsItsOwnNormalForm() {
        OffboardUsers offboard = new OffboardUsers(List.of(user));

        assertThat(JobRequestValidation.validate(offboard).request()).isEqualTo(offboard);
        assertThat(JobRequestValidation.validate(offboard).knownTaskCount()).isEmpty();
    }

    private static InvalidJobRequestException invalid(JobRequest request) {
        return catchThrowableOfType(InvalidJobRequestException.class, () -> JobRequestValidation.validate(request));
    }
}

package com.portfoliobulk.gateway.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.JobType;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.json.JsonMapper;

class JobRequestJsonTests {

    private final JsonMapper json = JsonMapper.builder().build();

    private final UUID user = UUID.randomUUID();

    private final UUID account = UUID.randomUUID();

    @Test
    void readsEachTypeIntoItsRecord() {
        assertThat(read("""
                        {"type":"INVITE_USERS","emails":["a@x.com"],"accounts":[{"accountId":"%s","role":"ANALYST"}]}
                        """.formatted(account)))
                .isEqualTo(new InviteUsers(
                        List.of("a@x.com"),
                        null,
                        List.of(new InviteUsers.AccountInvitation(account, AccountRole.ANALYST)),
                        null));
        assertThat(read("""
                        {"type":"REMOVE_ACCESS","userIds":["%s"],"accountIds":["%s"]}
                        """.formatted(user, account))).isEqualTo(new RemoveAccess(List.of(user), List.of(account)));
        assertThat(read("""
                        {"type":"OFFBOARD_USERS","userIds":["%s"]}
                        """.formatted(user))).isEqualTo(new OffboardUsers(List.of(user)));
        assertThat(read("""
                        {"type":"RESEND_INVITATIONS","userIds":["%s"],"accountIds":["%s"],"expiresInDays":3}
                        """.formatted(user, account)))
                .isEqualTo(new ResendInvitations(List.of(user), List.of(account), 3));
        assertThat(read("""
                        {"type":"REVOKE_INVITATIONS","userIds":["%s"],"accountIds":["%s"]}
                        """.formatted(user, account)))
                .isEqualTo(new RevokeInvitations(List.of(user), List.of(account)));
    }

    @Test
    void tellsTheTwoUpdateRolesFormsApartByTheirFields() {
        assertThat(read("""
                        {"type":"UPDATE_ROLES","assignments":[{"userId":"%s","accountId":"%s","role":"MANAGER"}]}
                        """.formatted(user, account)))
                .isEqualTo(new UpdateRolesByAssignment(
                        List.of(new UpdateRolesByAssignment.RoleAssignment(user, account, AccountRole.MANAGER))));
        assertThat(read("""
                        {"type":"UPDATE_ROLES","userIds":["%s"],"accountIds":["%s"],"role":"manager"}
                        """.formatted(user, account)))
                .isEqualTo(new UpdateRolesBySelection(List.of(user), List.of(account), AccountRole.MANAGER));
    }

    @Test
    void writesTheTypeSoTheCanonicalFormNamesIt() {
        String text = json.writeValueAsString(new OffboardUsers(List.of(user)));

        assertThat(text).contains("\"type\":\"OFFBOARD_USERS\"", user.toString());
        assertThat(read(text)).isEqualTo(new OffboardUsers(List.of(user)));
    }

    @Test
    void refusesAMissingOrUnknownTypeNamingTheField() {
        assertThatThrownBy(() -> read("{\"userIds\":[]}"))
                .isInstanceOf(MismatchedInputException.class)
                .satisfies(ex -> assertThat(
                                ((JacksonException) ex).getPath().getFirst().getPropertyName())
                        .isEqualTo("type"))
                .hasMessageContaining("is required");
        assertThatThrownBy(() -> read("{\"type\":\"DELETE_EVERYONE\"}"))
                .isInstanceOf(MismatchedInputException.class)
                .hasMessageContaining("'DELETE_EVERYONE' is not one of INVITE_USERS");
        assertThatThrownBy(() -> read("[1,2]")).isInstanceOf(MismatchedInputException.class);
    }

    @Test
    void refusesMixingTheTwoUpdateRolesForms() {
        assertThatThrownBy(() -> read("""
                        {"type":"UPDATE_ROLES","assignments":[],"userIds":["%s"]}
                        """.formatted(user)))
                .isInstanceOf(MismatchedInputException.class)
                .hasMessageContaining("either 'assignments' or 'userIds'");
    }

    @Test
    void reportsWrongFieldTypesWithTheirPath() {
        assertThatThrownBy(() -> read("""
                        {"type":"REMOVE_ACCESS","userIds":["not-a-uuid"],"accountIds":[]}
                        """))
                .isInstanceOf(JacksonException.class)
                .satisfies(ex ->
                        assertThat(((JacksonException) ex).getPathReference()).contains("userIds"));
    }

    @Test
    void theTypeIsTheJobType() {
        assertThat(new RemoveAccess(List.of(), List.of()).type()).isEqualTo(JobType.REMOVE_ACCESS);
        assertThat(new UpdateRolesBySelection(List.of(), List.of(), AccountRole.ADMIN).type())
                .isEqualTo(JobType.UPDATE_ROLES);
    }

    private JobRequest read(String text) {
        return json.readValue(text, JobRequest.class);
    }
}

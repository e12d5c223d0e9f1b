package com.portfoliobulk.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.DatabindException;
import tools.jackson.databind.json.JsonMapper;

class ContractJsonTests {

    private final JsonMapper json = JsonMapper.builder().build();

    private final Actor admin = new Actor(UUID.randomUUID(), "admin@agency.example");

    @Test
    void taskRoundTripsWithRoleAsItsCode() {
        BulkTaskMessage task = new BulkTaskMessage(
                BulkTaskMessage.VERSION,
                UUID.randomUUID(),
                UUID.randomUUID(),
                UUID.randomUUID(),
                UUID.randomUUID(),
                TaskAction.INVITE,
                new UserRef(null, "ann@brand.example"),
                AccountRole.ANALYST,
                "en",
                Instant.parse("2026-12-01T10:00:00Z"),
                admin,
                Instant.parse("2026-11-24T10:00:00Z"));

        String text = json.writeValueAsString(task);

        assertThat(text).contains("\"role\":\"ANALYST\"", "\"v\":1", "\"action\":\"INVITE\"", "2026-12-01T10:00:00Z");
        assertThat(json.readValue(text, BulkTaskMessage.class)).isEqualTo(task);
    }

    @Test
    void activityEventRoundTrips() {
        UUID taskId = UUID.randomUUID();
        AccountActivityEvent event = new AccountActivityEvent(
                AccountActivityEvent.VERSION,
                taskId,
                Instant.parse("2026-11-24T10:00:01Z"),
                UUID.randomUUID(),
                UUID.randomUUID(),
                UUID.randomUUID(),
                taskId,
                ActivityAction.ROLE_CHANGED,
                new UserRef(UUID.randomUUID(), "ann@brand.example"),
                AccountRole.ANALYST,
                AccountRole.MANAGER,
                InitiationLevel.PORTFOLIO,
                admin,
                null,
                null);

        String text = json.writeValueAsString(event);

        assertThat(text).contains("\"previousRole\":\"ANALYST\"", "\"initiatedFrom\":\"PORTFOLIO\"");
        assertThat(json.readValue(text, AccountActivityEvent.class)).isEqualTo(event);
    }

    @Test
    void actorWithoutKindIsAnAdministratorAndTheIdentityProviderKeepsItsKind() {
        UUID id = UUID.randomUUID();

        Actor old = json.readValue("{\"userId\":\"%s\",\"email\":\"a@b.c\"}".formatted(id), Actor.class);
        Actor idp = json.readValue(json.writeValueAsString(Actor.identityProvider(id)), Actor.class);

        assertThat(old).isEqualTo(new Actor(id, "a@b.c", ActorKind.ADMINISTRATOR));
        assertThat(idp.kind()).isEqualTo(ActorKind.IDENTITY_PROVIDER);
        assertThat(idp.email()).isEqualTo("identity provider");
    }

    @Test
    void invalidTaskIsRejectedWhenRead() {
        String removeWithoutUserId = """
                {"v":1,"taskId":"%s","jobId":"%s","portfolioId":"%s","accountId":"%s","action":"REMOVE",
                 "user":{"email":"ann@brand.example"},"requestedBy":{"userId":"%s","email":"a@b.c"},
                 "requestedAt":"2026-11-24T10:00:00Z"}
                """.formatted(
                        UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID());

        assertThatThrownBy(() -> json.readValue(removeWithoutUserId, BulkTaskMessage.class))
                .isInstanceOf(DatabindException.class)
                .hasMessageContaining("REMOVE needs the user's id");
    }

    @Test
    void unknownRoleOrVersionIsRejected() {
        assertThatThrownBy(() -> AccountRole.of("SUPERUSER")).hasMessageContaining("Unknown role 'SUPERUSER'");
        assertThatThrownBy(() -> json.readValue("\"super user!\"", AccountRole.class))
                .isInstanceOf(DatabindException.class);
        // A custom role's code reads; whether the portfolio defines it is checked where the portfolio is known.
        AccountRole custom = json.readValue("\"regional_lead\"", AccountRole.class);
        assertThat(custom.code()).isEqualTo("REGIONAL_LEAD");
        assertThat(custom.isStandard()).isFalse();
        assertThat(json.readValue("\"analyst\"", AccountRole.class).isStandard())
                .isTrue();
        assertThat(AccountRole.of("campaign_coordinator").displayName()).isEqualTo("Campaign coordinator");
    }

    @Test
    void roleCodesAreUpperCaseLettersDigitsAndUnderscoresStartingWithALetterUpTo64() {
        assertThat(AccountRole.fromCode("ANALYST")).isSameAs(AccountRole.ANALYST);
        assertThat(AccountRole.fromCode(" manager ")).isSameAs(AccountRole.MANAGER);
        assertThat(AccountRole.fromCode("lead_2").code()).isEqualTo("LEAD_2");
        assertThat(new AccountRole("R" + "_".repeat(63)).code()).hasSize(64);
        for (String bad : List.of("", "2ND", "_LEAD", "LEAD-2", "LEAD 2", "Lead", "R" + "_".repeat(64))) {
            assertThatThrownBy(() -> new AccountRole(bad))
                    .as("code '%s'", bad)
                    .isInstanceOf(IllegalArgumentException.class);
        }
        for (String bad : List.of("", "2nd", "_lead", "lead-2", "r" + "_".repeat(64))) {
            assertThatThrownBy(() -> AccountRole.fromCode(bad))
                    .as("code '%s'", bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("is not a role code");
        }
    }

    @Test
    void reasonsCarryTheirTaskStatus() {
        assertThat(ReasonCode.OWNER_PROTECTED.status()).isEqualTo(TaskStatus.SKIPPED);
        assertThat(ReasonCode.JOB_CANCELLED.status()).isEqualTo(TaskStatus.CANCELLED);
        assertThat(ReasonCode.RETRIES_EXHAUSTED.status()).isEqualTo(TaskStatus.FAILED);
        assertThat(TaskAction.CHANGE_ROLE.activity()).isEqualTo(ActivityAction.ROLE_CHANGED);
    }
}

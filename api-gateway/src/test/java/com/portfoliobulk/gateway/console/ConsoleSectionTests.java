package com.portfoliobulk.gateway.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.web.client.ResourceAccessException;

/**
 * A list read for a page that shows a secret only this once: whatever the API answers, the section
 * says why in place of the list, where the console's error page would lose the secret.
 */
class ConsoleSectionTests {

    @Test
    void anyProblemAnExpiredSignInAndNoAnswerBecomeTheSectionsNoticeOnAPageThatShowsASecret() {
        ConsoleSection failed = ConsoleSection.readOrNotice(
                () -> {
                    throw new ApiProblem(500, Map.of("title", "Internal error", "detail", "Quote error id 42."));
                },
                "The SCIM tokens");
        assertThat(failed.items()).isEmpty();
        assertThat(failed.refusal())
                .isEqualTo("The SCIM tokens could not be read: Quote error id 42. Copy what this page shows only"
                        + " once, then reload it.");

        ConsoleSection expired = ConsoleSection.readOrNotice(
                () -> {
                    throw new ApiProblem(401, Map.of("title", "Unauthorized"));
                },
                "The webhook subscriptions");
        assertThat(expired.refusal())
                .isEqualTo("The webhook subscriptions could not be read: your sign-in has expired. Copy what this"
                        + " page shows only once, then sign in again.");

        ConsoleSection unanswered = ConsoleSection.readOrNotice(
                () -> {
                    throw new ResourceAccessException("Read timed out");
                },
                "The webhook subscriptions");
        assertThat(unanswered.refusal())
                .startsWith("The webhook subscriptions could not be read: the service did" + " not answer in time.");

        ConsoleSection refused = ConsoleSection.readOrNotice(
                () -> {
                    throw new ApiProblem(403, Map.of("title", "Forbidden", "detail", "Only the Portfolio Owner."));
                },
                "The SCIM tokens");
        assertThat(refused.refusal()).isEqualTo("Only the Portfolio Owner.");

        ConsoleSection read = ConsoleSection.readOrNotice(
                () -> Map.of("items", List.of(Map.of("name", "Okta")), "nextCursor", "c2"), "The SCIM tokens");
        assertThat(read.items()).hasSize(1);
        assertThat(read.nextCursor()).isEqualTo("c2");
        assertThat(read.refusal()).isNull();
    }

    @Test
    void elsewhereOnlyARefusalIsTheSections() {
        assertThatThrownBy(() -> ConsoleSection.read(() -> {
                    throw new ApiProblem(500, Map.of("title", "Internal error"));
                }))
                .isInstanceOf(ApiProblem.class);
    }
}

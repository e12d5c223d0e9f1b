package com.portfoliobulk.gateway.portfolio;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.contracts.paging.Cursor;
import com.portfoliobulk.gateway.support.GatewayCalls.Answer;
import com.portfoliobulk.gateway.web.DerivedKeys;
import com.portfoliobulk.gateway.web.ItemCursors;
import com.portfoliobulk.testsupport.TestTokens;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpMethod;

/**
 * The portfolio users list is ordered by e-mail address; its cursors, which end up in URLs and logs,
 * name the last user but carry no address.
 */
class PortfolioUsersPagingIntegrationTests extends PortfolioAdministrationTest {

    /** An item cursor's signature, as {@link #decoded} shows it: 16 bytes in base64url. */
    private static final String SIGNATURE = "[A-Za-z0-9_-]{22}";

    @BeforeEach
    void users() {
        // Addresses that begin alike: the order is decided late in the address.
        for (String name : List.of("ann", "anna", "ann-marie", "an")) {
            storedPortfolioUser(name, "USER_MANAGEMENT_VIEW");
        }
    }

    @Test
    void pagingVisitsEveryUserOnceInOrderWithCursorsThatCarryNoAddress() {
        List<String> all = emails(call(HttpMethod.GET, owner, path("/portfolio-users?limit=500"), null));
        List<String> walked = new ArrayList<>();
        String cursor = null;
        do {
            Answer page = page(cursor);
            walked.addAll(emails(page));
            cursor = page.body().path("nextCursor").asString(null);
            if (cursor != null) {
                String last = page.body().path("items").get(0).path("email").asString();
                assertThat(decoded(cursor))
                        .doesNotContain(last)
                        .doesNotContain(last.substring(0, last.indexOf('@')))
                        .doesNotContain("@")
                        .matches(Pattern.quote(Cursor.list("portfolio-users", portfolio.id()) + "|"
                                        + page.body()
                                                .path("items")
                                                .get(0)
                                                .path("userId")
                                                .asString()
                                        + "|")
                                + SIGNATURE);
            }
        } while (cursor != null);

        assertThat(all).hasSize(5);
        assertThat(walked).containsExactlyElementsOf(all);
    }

    @Test
    void aUserRemovedBetweenPagesStillMarksWhereTheNextPageStarts() {
        List<String> all = emails(call(HttpMethod.GET, owner, path("/portfolio-users?limit=500"), null));
        Answer first = page(null);
        Answer second = page(first.body().path("nextCursor").asString());
        assertThat(emails(second)).containsExactly(all.get(1));
        String removed = second.body().path("items").get(0).path("userId").asString();
        assertThat(call(HttpMethod.DELETE, owner, path("/portfolio-users/" + removed), null)
                        .status())
                .isEqualTo(204);

        Answer third = page(second.body().path("nextCursor").asString());

        assertThat(emails(third)).containsExactly(all.get(2));
    }

    @Test
    void aCursorNamingNoUserAsksTheClientToStartAgainAndATamperedOneIsRefused() {
        // A portfolio user first in the order who is no directory user: once removed, they exist nowhere.
        UUID removed = UUID.randomUUID();
        storePortfolioUser(removed, portfolio.email("aaa"), "USER_MANAGEMENT_VIEW");
        String cursor = page(null).body().path("nextCursor").asString();
        jdbc.sql("DELETE FROM jobs.portfolio_users WHERE user_id = :removed")
                .param("removed", removed)
                .update();

        Answer gone = page(cursor);

        assertFieldProblem(gone, 400, "cursor");
        assertThat(gone.body().path("errors").get(0).path("message").asString())
                .contains("no longer exists")
                .contains("start again");
        assertFieldProblem(
                page(Cursor.of(Cursor.list("portfolio-users", portfolio.id()), portfolio.email("owner"), ownerId)
                        .encode()),
                400,
                "cursor");
        assertFieldProblem(
                page(Cursor.of(Cursor.list("portfolio-users", portfolio.id()), ownerId, signature(cursor))
                        .encode()),
                400,
                "cursor");
        assertFieldProblem(
                page(Cursor.of(Cursor.list("users", portfolio.id()), ownerId, "signature")
                        .encode()),
                400,
                "cursor");
        assertFieldProblem(page(cursor + "x"), 400, "cursor");
    }

    /**
     * While the internal token secret is rotated, a cursor signed with the accepted secret's key (by a
     * gateway not rotated yet, or before the rotation) gives the same next page as the current key's
     * cursor; one signed with any other secret is refused.
     */
    @Test
    void aCursorSignedWithTheAcceptedSecretGivesTheSameNextPage() {
        Answer first = page(null);
        UUID last =
                UUID.fromString(first.body().path("items").get(0).path("userId").asString());
        String list = Cursor.list("portfolio-users", portfolio.id());
        Answer current = page(first.body().path("nextCursor").asString());

        Answer accepted = page(new ItemCursors(new DerivedKeys(TestTokens.ACCEPTED_INTERNAL_SECRET, ""))
                .after(list, last)
                .encode());
        Answer other = page(new ItemCursors(new DerivedKeys("another-gateway-secret-0123456789abcdefgh", ""))
                .after(list, last)
                .encode());

        assertThat(emails(accepted)).hasSize(1);
        assertThat(accepted.body()).isEqualTo(current.body());
        assertFieldProblem(other, 400, "cursor");
    }

    private Answer page(String cursor) {
        return call(
                HttpMethod.GET,
                owner,
                path("/portfolio-users?limit=1" + (cursor == null ? "" : "&cursor=" + cursor)),
                null);
    }

    private static List<String> emails(Answer answer) {
        assertThat(answer.status()).as(answer.text()).isEqualTo(200);
        return answer.body().path("items").values().stream()
                .map(item -> item.path("email").asString())
                .toList();
    }

    /** The signature an item cursor carries, its last part. */
    private static String signature(String cursor) {
        String[] parts = decoded(cursor).split("\\|");
        return parts[parts.length - 1];
    }

    /** What a cursor carries, its parts base64url-decoded as a client could, joined with {@code |}. */
    private static String decoded(String cursor) {
        List<String> parts = new ArrayList<>();
        for (String part : cursor.split("\\.")) {
            parts.add(new String(Base64.getUrlDecoder().decode(part), StandardCharsets.UTF_8));
        }
        return String.join("|", parts);
    }
}

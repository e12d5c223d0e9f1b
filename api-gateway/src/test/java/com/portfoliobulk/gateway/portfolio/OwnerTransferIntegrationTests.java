package com.portfoliobulk.gateway.portfolio;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.gateway.support.GatewayCalls.Answer;
import com.portfoliobulk.gateway.support.HeldWrites;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.http.HttpMethod;

/** The Owner offers ownership to another portfolio user, who alone may accept; it is logged. */
class OwnerTransferIntegrationTests extends PortfolioAdministrationTest {

    @Test
    void theNamedPortfolioUserAcceptsAndBecomesTheOnlyOwner() {
        UUID successorId = portfolio.user("successor");
        storePortfolioUser(successorId, portfolio.email("successor"), "USER_MANAGEMENT_VIEW");
        String successor = tokenOf(successorId, portfolio.email("successor"));
        String admin = storedPortfolioUser("admin", "ADMIN");

        // An Owner who was never offered ownership has nothing to accept (it is not a repeat of an accept).
        assertProblem(call(HttpMethod.POST, owner, path("/owner-transfer/accept"), null), 403);

        // Only the Owner offers ownership, and only to a portfolio user.
        assertProblem(
                call(HttpMethod.POST, admin, path("/owner-transfer"), "{\"userId\":\"%s\"}".formatted(successorId)),
                403);
        assertFieldProblem(
                call(
                        HttpMethod.POST,
                        owner,
                        path("/owner-transfer"),
                        "{\"userId\":\"%s\"}".formatted(UUID.randomUUID())),
                422,
                "userId");
        Answer offered =
                call(HttpMethod.POST, owner, path("/owner-transfer"), "{\"userId\":\"%s\"}".formatted(successorId));
        assertThat(offered.status()).as(offered.text()).isEqualTo(202);
        assertThat(offered.body().path("toUserId").asString()).isEqualTo(successorId.toString());
        assertThat(offered.body().path("toEmail").asString()).isEqualTo(portfolio.email("successor"));
        Answer pending = call(HttpMethod.GET, owner, path("/owner-transfer"), null);
        assertThat(pending.body().path("fromUserId").asString()).isEqualTo(ownerId.toString());
        assertThat(pending.body().path("toEmail").asString()).isEqualTo(portfolio.email("successor"));

        // Nobody but the named successor accepts; nothing changes until they do.
        assertProblem(call(HttpMethod.POST, admin, path("/owner-transfer/accept"), null), 403);
        assertThat(roleOf(ownerId)).isEqualTo("OWNER");

        Answer accepted = call(HttpMethod.POST, successor, path("/owner-transfer/accept"), null);
        assertThat(accepted.status()).as(accepted.text()).isEqualTo(200);
        assertThat(accepted.body().path("role").asString()).isEqualTo("OWNER");
        assertThat(roleOf(successorId)).isEqualTo("OWNER");
        assertThat(roleOf(ownerId)).isEqualTo("ADMIN");

        // The permissions follow at once: the new Owner may offer ownership, the former one may not.
        assertProblem(call(HttpMethod.GET, owner, path("/owner-transfer"), null), 403);
        assertProblem(call(HttpMethod.GET, successor, path("/owner-transfer"), null), 404);

        // The accept sent again (its first answer lost) answers as the first did: the handover happened.
        // Before, it was 403 "no Owner transfer to you to accept". The former Owner still gets 403.
        Answer repeated = call(HttpMethod.POST, successor, path("/owner-transfer/accept"), null);
        assertThat(repeated.status()).as(repeated.text()).isEqualTo(200);
        assertThat(repeated.body()).isEqualTo(accepted.body());
        assertProblem(call(HttpMethod.POST, owner, path("/owner-transfer/accept"), null), 403);
        assertThat(roleOf(successorId)).isEqualTo("OWNER");
        assertThat(roleOf(ownerId)).isEqualTo("ADMIN");

        Answer log = call(HttpMethod.GET, successor, path("/admin-log"), null);
        assertThat(log.status()).isEqualTo(200);
        assertThat(log.body().path("items").values())
                .extracting(entry -> entry.path("action").asString())
                .containsExactly("OWNER_TRANSFER_ACCEPTED", "OWNER_TRANSFER_REQUESTED");
        assertThat(log.body().path("items").get(0).path("actorUserId").asString())
                .isEqualTo(successorId.toString());
        assertThat(log.body().path("items").get(0).path("detail").asString())
                .isEqualTo("ownership accepted from " + portfolio.email("owner") + ", who is now Admin");
        assertThat(log.body().path("items").get(1).path("actorUserId").asString())
                .isEqualTo(ownerId.toString());
        assertThat(log.body().get("nextCursor").isNull()).isTrue();
    }

    /**
     * An offer, a withdrawal and an acceptance are written to the database alone, so a restore to a
     * moment before them undoes them: the former Owner is Owner again, a withdrawn offer can be
     * accepted. Each gateway logs one INFO line for each, naming the portfolio, who made it, the
     * offer's maker and recipient by user id, never by address, which the restore procedure greps to
     * make them again. Before, none was logged. A repeat that changes nothing (the same offer, the
     * accept sent again) and a refused change log none.
     */
    @Test
    @ExtendWith(OutputCaptureExtension.class)
    void anOfferAWithdrawalAndAnAcceptanceAreEachLoggedOnceByUserIds(CapturedOutput output) {
        UUID firstId = portfolio.user("first");
        storePortfolioUser(firstId, portfolio.email("first"), "USER_MANAGEMENT_VIEW");
        UUID successorId = portfolio.user("successor");
        storePortfolioUser(successorId, portfolio.email("successor"), "USER_MANAGEMENT_EDIT");
        String first = tokenOf(firstId, portfolio.email("first"));
        String successor = tokenOf(successorId, portfolio.email("successor"));
        String change = "Change of portfolio " + portfolio.id() + " at the request of user ";
        String offer = "Owner transfer from portfolio user " + ownerId + " to portfolio user ";

        List<Answer> answers = List.of(
                call(HttpMethod.POST, owner, path("/owner-transfer"), "{\"userId\":\"%s\"}".formatted(firstId)),
                call(HttpMethod.POST, owner, path("/owner-transfer"), "{\"userId\":\"%s\"}".formatted(successorId)),
                call(HttpMethod.DELETE, owner, path("/owner-transfer"), null),
                call(HttpMethod.POST, owner, path("/owner-transfer"), "{\"userId\":\"%s\"}".formatted(successorId)),
                call(HttpMethod.POST, owner, path("/owner-transfer"), "{\"userId\":\"%s\"}".formatted(successorId)),
                call(HttpMethod.POST, first, path("/owner-transfer/accept"), null),
                call(HttpMethod.POST, successor, path("/owner-transfer/accept"), null),
                call(HttpMethod.POST, successor, path("/owner-transfer/accept"), null),
                call(HttpMethod.DELETE, successor, path("/owner-transfer"), null));

        assertThat(answers).extracting(Answer::status).containsExactly(202, 202, 204, 202, 202, 403, 200, 200, 404);
        assertThat(roleOf(successorId)).isEqualTo("OWNER");
        assertThat(roleOf(ownerId)).isEqualTo("ADMIN");
        assertThat(output.getAll().lines().filter(line -> line.contains(change)))
                .satisfiesExactly(
                        line -> assertThat(line)
                                .contains(" INFO ", change + ownerId + ": " + offer + firstId + " offered"),
                        line -> assertThat(line)
                                .contains(
                                        " INFO ",
                                        change + ownerId + ": " + offer + successorId
                                                + " offered, the offer to portfolio user " + firstId + " withdrawn"),
                        line -> assertThat(line)
                                .contains(" INFO ", change + ownerId + ": " + offer + successorId + " withdrawn"),
                        line -> assertThat(line)
                                .contains(" INFO ", change + ownerId + ": " + offer + successorId + " offered"),
                        line -> assertThat(line)
                                .contains(
                                        " INFO ",
                                        change + successorId + ": " + offer + successorId + " accepted, portfolio user "
                                                + ownerId + " now ADMIN"))
                .allSatisfy(line -> assertThat(line)
                        .doesNotContain(portfolio.email("owner"))
                        .doesNotContain(portfolio.email("first"))
                        .doesNotContain(portfolio.email("successor")));
    }

    @Test
    void theOwnerCannotBeRemovedOrReRoledAndAWithdrawnOfferCannotBeAccepted() {
        UUID successorId = portfolio.user("successor");
        storePortfolioUser(successorId, portfolio.email("successor"), "ADMIN");
        String successor = tokenOf(successorId, portfolio.email("successor"));

        assertProblem(call(HttpMethod.DELETE, successor, path("/portfolio-users/" + ownerId), null), 409);
        assertProblem(
                call(HttpMethod.PUT, successor, path("/portfolio-users/" + ownerId + "/role"), "{\"role\":\"ADMIN\"}"),
                409);
        assertFieldProblem(
                call(HttpMethod.PUT, owner, path("/portfolio-users/" + successorId + "/role"), "{\"role\":\"OWNER\"}"),
                422,
                "role");

        call(HttpMethod.POST, owner, path("/owner-transfer"), "{\"userId\":\"%s\"}".formatted(successorId));
        assertThat(call(HttpMethod.DELETE, owner, path("/owner-transfer"), null).status())
                .isEqualTo(204);
        assertProblem(call(HttpMethod.POST, successor, path("/owner-transfer/accept"), null), 403);
        assertThat(roleOf(ownerId)).isEqualTo("OWNER");
        assertThat(roleOf(successorId)).isEqualTo("ADMIN");
    }

    /**
     * Ownership moved on through another gateway (written straight to the database here, as that
     * gateway's accept does), so this gateway's permission cache still holds the former Owner as
     * Owner: they can no longer offer ownership, withdraw an offer, ask for a closure token, close
     * the portfolio with the token they asked for while they were Owner, or link or unlink an account.
     */
    @Test
    void aFormerOwnerWhomTheCacheStillHoldsAsOwnerIsRefusedEveryOwnersChange() {
        UUID successorId = portfolio.user("successor");
        storePortfolioUser(successorId, portfolio.email("successor"), "ADMIN");
        UUID thirdId = portfolio.user("third");
        storePortfolioUser(thirdId, portfolio.email("third"), "USER_MANAGEMENT_VIEW");
        Answer closure = call(HttpMethod.POST, owner, path("/closure"), null);
        assertThat(closure.status()).as(closure.text()).isEqualTo(201);
        String confirmation = closure.body().path("confirmation").asString();
        assertThat(call(HttpMethod.POST, owner, path("/owner-transfer"), "{\"userId\":\"%s\"}".formatted(successorId))
                        .status())
                .isEqualTo(202);

        jdbc.sql("DELETE FROM jobs.owner_transfers WHERE portfolio_id = ?")
                .param(portfolio.id())
                .update();
        setRole(ownerId, "ADMIN");
        setRole(successorId, "OWNER");
        // The cache still lets the former Owner read what only the Owner reads: 404, not 403.
        assertProblem(call(HttpMethod.GET, owner, path("/owner-transfer"), null), 404);

        assertProblem(
                call(HttpMethod.POST, owner, path("/owner-transfer"), "{\"userId\":\"%s\"}".formatted(thirdId)), 403);
        assertProblem(call(HttpMethod.DELETE, owner, path("/owner-transfer"), null), 403);
        assertProblem(call(HttpMethod.POST, owner, path("/closure"), null), 403);
        assertProblem(
                call(HttpMethod.POST, owner, path("/close"), "{\"confirmation\":\"%s\"}".formatted(confirmation)), 403);
        assertProblem(
                call(
                        HttpMethod.POST,
                        owner,
                        path("/linked-accounts"),
                        "{\"accountId\":\"%s\"}".formatted(UUID.randomUUID())),
                403);
        assertProblem(
                call(HttpMethod.DELETE, owner, path("/linked-accounts/" + portfolio.account("Alpha")), null), 403);
        assertThat(roleOf(successorId)).isEqualTo("OWNER");
        assertThat(count("jobs.owner_transfers")).isZero();
        assertThat(count("jobs.portfolio_users")).isEqualTo(3);
    }

    /** Accepting ends the former Owner's closure token: the new Owner asks for their own. */
    @Test
    void acceptingOwnershipEndsTheFormerOwnersClosureToken() {
        UUID successorId = portfolio.user("successor");
        storePortfolioUser(successorId, portfolio.email("successor"), "ADMIN");
        String successor = tokenOf(successorId, portfolio.email("successor"));
        assertThat(call(HttpMethod.POST, owner, path("/closure"), null).status())
                .isEqualTo(201);
        call(HttpMethod.POST, owner, path("/owner-transfer"), "{\"userId\":\"%s\"}".formatted(successorId));

        assertThat(call(HttpMethod.POST, successor, path("/owner-transfer/accept"), null)
                        .status())
                .isEqualTo(200);

        assertThat(count("jobs.closure_tokens")).isZero();
    }

    /**
     * An offer whose maker is no longer the Owner (none can be made any more, see above; one made
     * before that check) cannot be accepted: it would demote an Owner who never offered anything.
     */
    @Test
    void anOfferOfSomeoneWhoIsNoLongerOwnerCannotBeAccepted() {
        UUID formerId = portfolio.user("former");
        storePortfolioUser(formerId, portfolio.email("former"), "ADMIN");
        UUID takerId = portfolio.user("taker");
        storePortfolioUser(takerId, portfolio.email("taker"), "ADMIN");
        jdbc.sql("INSERT INTO jobs.owner_transfers (portfolio_id, from_user_id, to_user_id) VALUES (?, ?, ?)")
                .params(portfolio.id(), formerId, takerId)
                .update();

        Answer accepted =
                call(HttpMethod.POST, tokenOf(takerId, portfolio.email("taker")), path("/owner-transfer/accept"), null);

        assertProblem(accepted, 409);
        // Named by their address, as the administration log names people; not by their user id.
        assertThat(accepted.body().path("detail").asString())
                .contains(portfolio.email("former") + ", who is no longer the Owner")
                .doesNotContain(formerId.toString());
        assertThat(roleOf(ownerId)).isEqualTo("OWNER");
        assertThat(roleOf(takerId)).isEqualTo("ADMIN");

        // Also once they are no portfolio user any more: the directory knows their address.
        jdbc.sql("DELETE FROM jobs.portfolio_users WHERE portfolio_id = ? AND user_id = ?")
                .params(portfolio.id(), formerId)
                .update();
        Answer again =
                call(HttpMethod.POST, tokenOf(takerId, portfolio.email("taker")), path("/owner-transfer/accept"), null);
        assertProblem(again, 409);
        assertThat(again.body().path("detail").asString())
                .contains(portfolio.email("former") + ", who is no longer the Owner")
                .doesNotContain(formerId.toString());
    }

    private void setRole(UUID userId, String role) {
        jdbc.sql("UPDATE jobs.portfolio_users SET role = ? WHERE portfolio_id = ? AND user_id = ?")
                .params(role, portfolio.id(), userId)
                .update();
    }

    private long count(String table) {
        return jdbc.sql("SELECT count(*) FROM " + table + " WHERE portfolio_id = ?")
                .param(portfolio.id())
                .query(Long.class)
                .single();
    }

    /**
     * The Owner removes the portfolio user they offered ownership to while that user accepts: the
     * removal (held by a trigger after it locked the portfolio users) and the acceptance once took
     * their locks in opposite orders, so PostgreSQL broke the deadlock by failing one of them (503).
     * Now the removal goes through and the acceptance finds no offer.
     */
    @Test
    void removingTheRecipientWhileTheyAcceptIsNoDeadlock() throws Exception {
        UUID successorId = portfolio.user("successor");
        storePortfolioUser(successorId, portfolio.email("successor"), "ADMIN");
        String successor = tokenOf(successorId, portfolio.email("successor"));
        assertThat(call(HttpMethod.POST, owner, path("/owner-transfer"), "{\"userId\":\"%s\"}".formatted(successorId))
                        .status())
                .isEqualTo(202);
        Answer removed;
        Answer accepted;
        try (HeldWrites held = HeldWrites.on(jdbc, "jobs.portfolio_users", "DELETE", null, Duration.ofSeconds(1))) {
            FutureTask<Answer> removal = new FutureTask<>(
                    () -> call(HttpMethod.DELETE, owner, path("/portfolio-users/" + successorId), null));
            Thread.startVirtualThread(removal);
            held.awaitHeld();
            accepted = call(HttpMethod.POST, successor, path("/owner-transfer/accept"), null);
            removed = removal.get(30, TimeUnit.SECONDS);
        }

        assertThat(removed.status()).as(removed.text()).isEqualTo(204);
        assertProblem(accepted, 403);
        assertThat(roleOf(ownerId)).isEqualTo("OWNER");
        assertThat(count("jobs.owner_transfers")).isZero();
    }

    /**
     * The Owner changing the role of the user they offered ownership to, while that user accepts: the
     * change locked the users in id order, accepting locks the Owner's row before the recipient's, and
     * with the recipient's id below the Owner's PostgreSQL broke the deadlock with a 503. The change now
     * takes the offer first, as accepting does.
     */
    @Test
    void changingTheRecipientsRoleWhileTheyAcceptIsNoDeadlock() throws Exception {
        UUID successorId = portfolio.user("successor");
        while (successorId.toString().compareTo(ownerId.toString()) > 0) {
            successorId = portfolio.user("successor-" + UUID.randomUUID());
        }
        UUID recipient = successorId;
        String email = jdbc.sql("SELECT email FROM directory.users WHERE id = ?")
                .param(recipient)
                .query(String.class)
                .single();
        storePortfolioUser(recipient, email, "ADMIN");
        String successor = tokenOf(recipient, email);
        assertThat(call(HttpMethod.POST, owner, path("/owner-transfer"), "{\"userId\":\"%s\"}".formatted(recipient))
                        .status())
                .isEqualTo(202);
        Answer accepted;
        Answer changed;
        try (HeldWrites held =
                HeldWrites.on(jdbc, "jobs.portfolio_users", "UPDATE", "OLD.role = 'OWNER'", Duration.ofSeconds(1))) {
            FutureTask<Answer> acceptance =
                    new FutureTask<>(() -> call(HttpMethod.POST, successor, path("/owner-transfer/accept"), null));
            Thread.startVirtualThread(acceptance);
            held.awaitHeld();
            changed = call(
                    HttpMethod.PUT,
                    owner,
                    path("/portfolio-users/" + recipient + "/role"),
                    "{\"role\":\"USER_MANAGEMENT_EDIT\"}");
            accepted = acceptance.get(30, TimeUnit.SECONDS);
        }

        assertThat(accepted.status()).as(accepted.text()).isEqualTo(200);
        assertThat(changed.status()).as(changed.text()).isIn(403, 409);
        assertThat(roleOf(recipient)).isEqualTo("OWNER");
        assertThat(roleOf(ownerId)).isEqualTo("ADMIN");
    }

    /**
     * Offering ownership to a user while they are removed: the offer read the user unlocked, the removal
     * found no offer to withdraw yet, and both succeeded, leaving an offer to someone who was no portfolio
     * user (re-added later, even with the least role, they could accept it). The offer now locks its
     * recipient: an Admin's removal waits for it and withdraws it.
     */
    @Test
    void removingTheRecipientWhileOwnershipIsOfferedLeavesNoOffer() throws Exception {
        UUID successorId = portfolio.user("successor");
        storePortfolioUser(successorId, portfolio.email("successor"), "USER_MANAGEMENT_VIEW");
        String admin = storedPortfolioUser("admin", "ADMIN");
        Answer offered;
        Answer removed;
        try (HeldWrites held = HeldWrites.on(jdbc, "jobs.owner_transfers", "INSERT", null, Duration.ofSeconds(1))) {
            FutureTask<Answer> offer = new FutureTask<>(() -> call(
                    HttpMethod.POST, owner, path("/owner-transfer"), "{\"userId\":\"%s\"}".formatted(successorId)));
            Thread.startVirtualThread(offer);
            held.awaitHeld();
            removed = call(HttpMethod.DELETE, admin, path("/portfolio-users/" + successorId), null);
            offered = offer.get(30, TimeUnit.SECONDS);
        }

        assertThat(removed.status()).as(removed.text()).isEqualTo(204);
        assertThat(offered.status()).as(offered.text()).isIn(202, 422);
        assertThat(count("jobs.owner_transfers")).isZero();
    }

    /** An offer withdrawn by removing its recipient is in the admin log, as one withdrawn by the Owner is. */
    @Test
    void removingTheRecipientWithdrawsTheOfferInTheAdminLog() {
        UUID successorId = portfolio.user("successor");
        storePortfolioUser(successorId, portfolio.email("successor"), "USER_MANAGEMENT_VIEW");
        Answer offered =
                call(HttpMethod.POST, owner, path("/owner-transfer"), "{\"userId\":\"%s\"}".formatted(successorId));
        assertThat(offered.status()).as(offered.text()).isEqualTo(202);

        assertThat(call(HttpMethod.DELETE, owner, path("/portfolio-users/" + successorId), null)
                        .status())
                .isEqualTo(204);

        // Both entries of the removal are written in its transaction, at one time: in either order.
        Answer log = call(HttpMethod.GET, owner, path("/admin-log"), null);
        assertThat(log.body().path("items").values())
                .extracting(entry -> entry.path("action").asString())
                .containsExactlyInAnyOrder(
                        "OWNER_TRANSFER_WITHDRAWN", "PORTFOLIO_USER_REMOVED", "OWNER_TRANSFER_REQUESTED");
        assertThat(log.body().path("items").values())
                .filteredOn(entry -> entry.path("action").asString().equals("OWNER_TRANSFER_WITHDRAWN"))
                .singleElement()
                .satisfies(entry ->
                        assertThat(entry.path("detail").asString()).isEqualTo("withdrawn: the recipient was removed"));
    }

    /**
     * The Owner withdraws an offer (DELETE owner-transfer): the admin log's entry names its recipient, as
     * every other withdrawal's does. Before, it named no one, so two withdrawals of offers to different
     * users looked alike.
     */
    @Test
    void withdrawingTheOfferNamesItsRecipientInTheAdminLog() {
        UUID first = portfolio.user("first");
        UUID second = portfolio.user("second");
        storePortfolioUser(first, portfolio.email("first"), "USER_MANAGEMENT_VIEW");
        storePortfolioUser(second, portfolio.email("second"), "USER_MANAGEMENT_VIEW");
        for (UUID recipient : List.of(first, second)) {
            Answer offered =
                    call(HttpMethod.POST, owner, path("/owner-transfer"), "{\"userId\":\"%s\"}".formatted(recipient));
            assertThat(offered.status()).as(offered.text()).isEqualTo(202);
            Answer withdrawn = call(HttpMethod.DELETE, owner, path("/owner-transfer"), null);
            assertThat(withdrawn.status()).as(withdrawn.text()).isEqualTo(204);
        }

        Answer log = call(HttpMethod.GET, owner, path("/admin-log"), null);
        assertThat(log.body().path("items").values())
                .filteredOn(entry -> entry.path("action").asString().equals("OWNER_TRANSFER_WITHDRAWN"))
                .allSatisfy(entry -> assertThat(entry.path("detail").asString()).isEqualTo("withdrawn"))
                .extracting(entry -> entry.path("subject").asString())
                .containsExactly(portfolio.email("second"), portfolio.email("first"));
    }

    /**
     * The Owner makes the same offer twice (a double click, a retry): the second answer is the pending
     * offer as it was, 202 as the first, and the admin log has one entry for it. Before, the second
     * reset the offer's time and logged the offer again.
     */
    @Test
    void theSameOfferAgainChangesNothingAndIsLoggedOnce() {
        UUID successorId = portfolio.user("successor");
        storePortfolioUser(successorId, portfolio.email("successor"), "USER_MANAGEMENT_VIEW");
        String offer = "{\"userId\":\"%s\"}".formatted(successorId);
        Answer first = call(HttpMethod.POST, owner, path("/owner-transfer"), offer);
        assertThat(first.status()).as(first.text()).isEqualTo(202);

        Answer again = call(HttpMethod.POST, owner, path("/owner-transfer"), offer);

        assertThat(again.status()).as(again.text()).isEqualTo(202);
        assertThat(again.body()).isEqualTo(first.body());
        assertThat(call(HttpMethod.GET, owner, path("/owner-transfer"), null).body())
                .isEqualTo(first.body());
        Answer log = call(HttpMethod.GET, owner, path("/admin-log"), null);
        assertThat(log.body().path("items").values())
                .extracting(entry -> entry.path("action").asString())
                .containsExactly("OWNER_TRANSFER_REQUESTED");
    }

    /**
     * Offering ownership to another portfolio user ends the offer to the first: the admin log says it
     * was withdrawn, and from whom. Before, only the second offer was logged.
     */
    @Test
    void anOfferToSomeoneElseWithdrawsTheFirstInTheAdminLog() {
        UUID first = portfolio.user("first");
        UUID second = portfolio.user("second");
        storePortfolioUser(first, portfolio.email("first"), "USER_MANAGEMENT_VIEW");
        storePortfolioUser(second, portfolio.email("second"), "USER_MANAGEMENT_VIEW");
        for (UUID recipient : List.of(first, first, second)) {
            Answer offered =
                    call(HttpMethod.POST, owner, path("/owner-transfer"), "{\"userId\":\"%s\"}".formatted(recipient));
            assertThat(offered.status()).as(offered.text()).isEqualTo(202);
        }

        Answer log = call(HttpMethod.GET, owner, path("/admin-log"), null);
        assertThat(log.body().path("items").values())
                .filteredOn(entry -> entry.path("action").asString().equals("OWNER_TRANSFER_WITHDRAWN"))
                .singleElement()
                .satisfies(entry -> {
                    assertThat(entry.path("subject").asString()).isEqualTo(portfolio.email("first"));
                    assertThat(entry.path("detail").asString())
                            .isEqualTo("withdrawn: ownership offered to " + portfolio.email("second") + " instead");
                });
    }
}

package com.portfoliobulk.gateway.scim;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.gateway.support.HeldWrites;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpMethod;

/**
 * An identity provider deactivating a user (PATCH {@code active: false}) and deleting them at the same
 * moment: both find the user active and share one offboarding job; whichever records the
 * deactivation first, the user ends deleted, as the DELETE answered (before, a DELETE that recorded
 * second changed nothing and answered 204 while the user stayed visible).
 */
class ScimConcurrentDeactivationIntegrationTests extends ScimIntegrationTest {

    private static final String DISABLE = """
            {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
             "Operations":[{"op":"replace","path":"active","value":false}]}""";

    @Test
    void aDeleteWhileADeactivationIsBeingRecordedLeavesTheUserDeleted() throws Exception {
        UUID ann = portfolio.user("ann");
        portfolio.member(portfolio.account("Brand"), ann, AccountRole.ANALYST);
        String path = users() + "/" + ann;
        assertThat(scim(HttpMethod.GET, path, null).status()).isEqualTo(200);
        // The PATCH's record of the deactivation (not the DELETE's, which also marks the user deleted)
        // waits a second, holding the user's row, while the DELETE reads the user as still active.
        Scim patched;
        Scim deleted;
        try (HeldWrites held = HeldWrites.on(
                jdbc,
                "jobs.scim_users",
                "UPDATE",
                "NEW.deactivations = 1 AND OLD.deactivations = 0 AND NEW.deleted_at IS NULL",
                Duration.ofSeconds(1))) {
            FutureTask<Scim> patch = new FutureTask<>(() -> scim(HttpMethod.PATCH, path, DISABLE));
            Thread.startVirtualThread(patch);
            held.awaitHeld();
            deleted = scim(HttpMethod.DELETE, path, null);
            patched = await(patch);
        }

        assertThat(patched.status()).as(patched.text()).isIn(200, 404);
        assertThat(deleted.status()).as(deleted.text()).isEqualTo(204);
        assertScimError(scim(HttpMethod.GET, path, null), 404, null);
        assertThat(jobCount(portfolio.id())).isEqualTo(1);
    }

    private static Scim await(Future<Scim> answer) throws Exception {
        return answer.get(30, TimeUnit.SECONDS);
    }
}

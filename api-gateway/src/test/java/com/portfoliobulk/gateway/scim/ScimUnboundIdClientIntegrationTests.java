package com.portfoliobulk.gateway.scim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.EmailAddresses;
import com.portfoliobulk.gateway.retention.Retention;
import com.portfoliobulk.gateway.support.WorkerSimulation;
import com.unboundid.scim2.client.ScimService;
import com.unboundid.scim2.common.exceptions.BadRequestException;
import com.unboundid.scim2.common.exceptions.PreconditionFailedException;
import com.unboundid.scim2.common.exceptions.ResourceConflictException;
import com.unboundid.scim2.common.exceptions.ResourceNotFoundException;
import com.unboundid.scim2.common.exceptions.ScimException;
import com.unboundid.scim2.common.messages.ListResponse;
import com.unboundid.scim2.common.types.ResourceTypeResource;
import com.unboundid.scim2.common.types.SchemaResource;
import com.unboundid.scim2.common.types.ServiceProviderConfigResource;
import com.unboundid.scim2.common.types.UserResource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.client.ClientBuilder;
import jakarta.ws.rs.client.ClientRequestFilter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.glassfish.jersey.client.HttpUrlConnectorProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpMethod;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * UnboundID's SCIM 2 client (a SCIM implementation written elsewhere) against the running gateway:
 * discovery, create, find, read, deactivate, delete, and its reading of SCIM errors.
 */
class ScimUnboundIdClientIntegrationTests extends ScimIntegrationTest {

    private Client client;

    private ScimService service;

    @BeforeEach
    void connectClient() {
        client = clientWith(scimToken);
        service = new ScimService(client.target("http://localhost:" + port + base()));
    }

    @AfterEach
    void closeClient() {
        client.close();
    }

    private static Client clientWith(String token) {
        return ClientBuilder.newClient()
                // HttpURLConnection knows no PATCH; Jersey sets it reflectively with this property.
                .property(HttpUrlConnectorProvider.SET_METHOD_WORKAROUND, true)
                .register((ClientRequestFilter)
                        request -> request.getHeaders().putSingle("Authorization", "Bearer " + token));
    }

    @Test
    void discoversWhatTheServiceProviderSupports() throws ScimException {
        ServiceProviderConfigResource config = service.getServiceProviderConfig();
        ListResponse<ResourceTypeResource> types = service.getResourceTypes();
        ListResponse<SchemaResource> schemas = service.getSchemas();

        assertThat(config.getPatch().isSupported()).isTrue();
        assertThat(config.getFilter().isSupported()).isTrue();
        assertThat(config.getBulk().isSupported()).isFalse();
        assertThat(config.getEtag().isSupported()).isTrue();
        assertThat(types.getResources())
                .extracting(ResourceTypeResource::getName)
                .containsExactly("User");
        assertThat(types.getResources().getFirst().getEndpoint().toString()).isEqualTo("/Users");
        assertThat(schemas.getResources())
                .extracting(SchemaResource::getId)
                .contains("urn:ietf:params:scim:schemas:core:2.0:User");
    }

    @Test
    void theSchemaSaysHowTheFilteredAttributesAreCompared() throws ScimException {
        UserResource user = new UserResource();
        user.setUserName(portfolio.email("casey"));
        user.setExternalId("Okta-00uCase");
        service.create("Users", user);

        SchemaResource schema = service.getSchemas().getResources().stream()
                .filter(resource -> resource.getId().equals("urn:ietf:params:scim:schemas:core:2.0:User"))
                .findFirst()
                .orElseThrow();
        long byUserNameInOtherCase = service.searchRequest("Users")
                .filter("userName eq \"" + portfolio.email("casey").toUpperCase() + "\"")
                .invoke(UserResource.class)
                .getTotalResults();
        long byExternalIdInOtherCase = service.searchRequest("Users")
                .filter("externalId eq \"okta-00ucase\"")
                .invoke(UserResource.class)
                .getTotalResults();

        assertThat(schema.getAttributes())
                .filteredOn(attribute -> attribute.getName().equals("userName"))
                .singleElement()
                .satisfies(attribute -> assertThat(attribute.isCaseExact()).isFalse());
        assertThat(byUserNameInOtherCase).as("userName is not case-exact").isEqualTo(1);
        assertThat(schema.getAttributes())
                .filteredOn(attribute -> attribute.getName().equals("externalId"))
                .singleElement()
                .satisfies(attribute -> assertThat(attribute.isCaseExact()).isTrue());
        assertThat(byExternalIdInOtherCase).as("externalId is case-exact").isZero();
    }

    /**
     * An {@code externalId} is kept without its leading and trailing blanks, and a filter's value is
     * compared the same way: an identity provider that sent one with blanks finds the user with the
     * value it sent, instead of finding nothing and creating them again (409 {@code uniqueness}).
     */
    @Test
    void findsAUserByTheExternalIdItWasCreatedWithBlanksAndAll() throws ScimException {
        UserResource user = new UserResource();
        user.setUserName(portfolio.email("padded"));
        user.setExternalId(" 00u1ab ");

        UserResource created = service.create("Users", user);
        ListResponse<UserResource> byExternalId = service.searchRequest("Users")
                .filter("externalId eq \" 00u1ab \"")
                .invoke(UserResource.class);
        long byOtherText = service.searchRequest("Users")
                .filter("externalId eq \"00u1a\"")
                .invoke(UserResource.class)
                .getTotalResults();

        assertThat(created.getExternalId()).isEqualTo("00u1ab");
        assertThat(byExternalId.getTotalResults()).isEqualTo(1);
        assertThat(byExternalId.getResources()).extracting(UserResource::getId).containsExactly(created.getId());
        assertThat(byOtherText).isZero();
    }

    @Test
    void createsAUserWithoutAccessAndReadsThemBack() throws ScimException {
        UserResource user = new UserResource();
        user.setUserName(portfolio.email("joiner"));
        user.setExternalId("okta-00u1");
        user.setDisplayName("Jo Iner");

        UserResource created = service.create("Users", user);
        UserResource read = service.retrieve("Users", created.getId(), UserResource.class);
        ListResponse<UserResource> byExternalId = service.searchRequest("Users")
                .filter("externalId eq \"okta-00u1\"")
                .invoke(UserResource.class);

        assertThat(created.getId()).isNotBlank();
        assertThat(read.getUserName()).isEqualTo(portfolio.email("joiner"));
        assertThat(read.getExternalId()).isEqualTo("okta-00u1");
        assertThat(read.getDisplayName()).isEqualTo("Jo Iner");
        assertThat(read.getActive()).isTrue();
        assertThat(read.getMeta().getResourceType()).isEqualTo("User");
        assertThat(byExternalId.getTotalResults()).isEqualTo(1);
        assertThat(jdbc.sql("SELECT idp_managed FROM directory.users WHERE id = ?::uuid")
                        .params(created.getId())
                        .query(Boolean.class)
                        .single())
                .isFalse();
        assertThat(jdbc.sql("SELECT count(*) FROM directory.memberships WHERE user_id = ?::uuid")
                        .params(created.getId())
                        .query(Long.class)
                        .single())
                .isZero();
        assertThat(jobCount(portfolio.id())).isZero();
    }

    @Test
    void findsAnExistingUserAndDeactivatesThemIntoOneOffboardingJob() throws ScimException {
        UUID ann = portfolio.user("ann");
        UUID brand = portfolio.account("Brand");
        UUID shop = portfolio.account("Shop");
        portfolio.member(brand, ann, AccountRole.OWNER).member(shop, ann, AccountRole.ANALYST);

        ListResponse<UserResource> found = service.searchRequest("Users")
                .filter("userName eq \"" + portfolio.email("ann") + "\"")
                .page(1, 10)
                .invoke(UserResource.class);
        UserResource deactivated = service.modifyRequest("Users", ann.toString())
                .replaceValue("active", false)
                .invoke(UserResource.class);
        UserResource retried = service.modifyRequest("Users", ann.toString())
                .replaceValue("active", false)
                .invoke(UserResource.class);

        assertThat(found.getTotalResults()).isEqualTo(1);
        assertThat(found.getResources().getFirst().getId()).isEqualTo(ann.toString());
        assertThat(deactivated.getActive()).isFalse();
        assertThat(retried.getActive()).isFalse();
        assertThat(scimJobs(portfolio.id())).isEqualTo(1);
        var jobs = api.get(admin(portfolio.id()), jobsPath(portfolio.id()) + "?type=OFFBOARD_USERS");
        assertThat(jobs.body().path("items")).hasSize(1);
        assertThat(jobs.body().path("items").get(0).path("origin").asString()).isEqualTo("SCIM");
        assertThat(jobs.body().path("items").get(0).path("counts").path("total").asInt())
                .isEqualTo(2);
    }

    /**
     * The identity provider deactivates a user whose only access is an invitation a running job is
     * still to send: the offboarding takes it back (its task follows the invitation's on the account),
     * rather than recording the deactivation as done with no job and letting the invitation through.
     */
    @Test
    void deactivatesAUserWhoseOnlyAccessIsAnInvitationStillToBeSent() throws ScimException {
        UserResource user = new UserResource();
        user.setUserName(portfolio.email("joiner"));
        UserResource created = service.create("Users", user);
        UUID brand = portfolio.account("Brand");
        var invitation = submit(portfolio.id(), """
                {"type":"INVITE_USERS","emails":["%s"],"accounts":[{"accountId":"%s","role":"ANALYST"}]}
                """.formatted(portfolio.email("joiner"), brand));
        assertThat(invitation.status()).as(invitation.text()).isEqualTo(202);

        UserResource deactivated = service.modifyRequest("Users", created.getId())
                .replaceValue("active", false)
                .invoke(UserResource.class);

        assertThat(deactivated.getActive()).isFalse();
        var jobs = api.get(admin(portfolio.id()), jobsPath(portfolio.id()) + "?type=OFFBOARD_USERS");
        assertThat(jobs.body().path("items")).as(jobs.text()).hasSize(1);
        assertThat(jobs.body().path("items").get(0).path("origin").asString()).isEqualTo("SCIM");
        UUID offboarding =
                UUID.fromString(jobs.body().path("items").get(0).path("jobId").asString());
        assertThat(jdbc.sql("SELECT account_id FROM jobs.bulk_tasks WHERE job_id = ? AND action = 'REMOVE'")
                        .params(offboarding)
                        .query(UUID.class)
                        .list())
                .containsExactly(brand);
    }

    @Test
    void deletesAUserIntoAnOffboardingJobAndThenCannotFindThem() throws ScimException {
        UUID ann = portfolio.user("ann");
        portfolio.member(portfolio.account("Brand"), ann, AccountRole.SUPPORT);

        service.delete("Users", ann.toString());

        assertThatThrownBy(() -> service.retrieve("Users", ann.toString(), UserResource.class))
                .isInstanceOf(ResourceNotFoundException.class);
        assertThat(scimJobs(portfolio.id())).isEqualTo(1);
    }

    /**
     * A deactivated user who has access again (a task of the offboarding failed, an administrator
     * invited them back) is offboarded again when the identity provider deactivates or deletes them
     * once more; while an offboarding of theirs runs, a repeated request makes no other job.
     */
    @Test
    void deactivatesAndDeletesAgainAUserWhoHasAccessOnceMore(@Autowired PlatformTransactionManager transactions)
            throws ScimException {
        WorkerSimulation worker = new WorkerSimulation(jdbc, transactions);
        UUID ann = portfolio.user("ann");
        UUID brand = portfolio.account("Brand");
        portfolio.member(brand, ann, AccountRole.ANALYST);

        deactivate(ann);
        deactivate(ann);
        assertThat(scimJobs(portfolio.id()))
                .as("a retry while the offboarding runs")
                .isEqualTo(1);
        // Its task fails: ann keeps her access, and the identity provider deactivates her again.
        worker.apply(worker.taskIds(lastScimJob()).getFirst(), "FAILED", "RETRIES_EXHAUSTED", null);
        deactivate(ann);

        assertThat(scimJobs(portfolio.id())).isEqualTo(2);
        assertThat(removals(lastScimJob())).containsExactly(brand);

        // That one removes her; an administrator invites her back; the identity provider deletes her.
        worker.completeAll(lastScimJob());
        jdbc.sql("DELETE FROM directory.memberships WHERE account_id = ? AND user_id = ?")
                .params(brand, ann)
                .update();
        portfolio.member(brand, ann, AccountRole.SUPPORT);
        service.delete("Users", ann.toString());

        assertThat(scimJobs(portfolio.id())).isEqualTo(3);
        assertThat(removals(lastScimJob())).containsExactly(brand);
        assertThatThrownBy(() -> service.retrieve("Users", ann.toString(), UserResource.class))
                .isInstanceOf(ResourceNotFoundException.class);
    }

    /**
     * An administrator cancelled the offboarding before it got to ann's account: she keeps her access,
     * and the identity provider's next deactivation or deletion offboards her. Before, the cancelled
     * tasks did not count as access that may remain, and both answered as done with no job.
     */
    @Test
    void deactivatesAgainAUserWhoseOffboardingWasCancelled() throws ScimException {
        UUID ann = portfolio.user("ann");
        UUID brand = portfolio.account("Brand");
        portfolio.member(brand, ann, AccountRole.ANALYST);
        deactivate(ann);
        UUID first = lastScimJob();
        assertThat(api.post(admin(portfolio.id()), jobPath(portfolio.id(), first) + "/cancel", null, null)
                        .status())
                .isEqualTo(202);

        deactivate(ann);

        assertThat(scimJobs(portfolio.id())).isEqualTo(2);
        assertThat(removals(lastScimJob())).containsExactly(brand);
    }

    /**
     * While the offboarding of ann runs, an administrator gives her access to another account; the
     * offboarding then completes, and the identity provider deletes her: that access is removed too.
     * Before, only a membership made after the offboarding completed counted.
     */
    @Test
    void deletesAgainAUserGivenAccessWhileTheirOffboardingRan(@Autowired PlatformTransactionManager transactions)
            throws ScimException {
        WorkerSimulation worker = new WorkerSimulation(jdbc, transactions);
        UUID ann = portfolio.user("ann");
        UUID brand = portfolio.account("Brand");
        UUID other = portfolio.account("Other brand");
        portfolio.member(brand, ann, AccountRole.ANALYST);
        deactivate(ann);
        UUID first = lastScimJob();
        portfolio.member(other, ann, AccountRole.SUPPORT);
        // The offboarding removes her from Brand and completes after that invitation.
        jdbc.sql("DELETE FROM directory.memberships WHERE account_id = ? AND user_id = ?")
                .params(brand, ann)
                .update();
        worker.completeAll(first);

        service.delete("Users", ann.toString());

        assertThat(scimJobs(portfolio.id())).isEqualTo(2);
        assertThat(removals(lastScimJob())).containsExactly(other);
    }

    /**
     * A deactivation that had nothing to remove names no offboarding job: the one of an earlier
     * deactivation, long done, is not this one's.
     */
    @Test
    void aDeactivationWithNothingToRemoveNamesNoOffboardingJob() throws ScimException {
        UUID ann = portfolio.user("ann");
        UUID brand = portfolio.account("Brand");
        portfolio.member(brand, ann, AccountRole.ANALYST);
        deactivate(ann);
        UserResource reactivated = service.modifyRequest("Users", ann.toString())
                .replaceValue("active", true)
                .invoke(UserResource.class);
        assertThat(reactivated.getActive()).isTrue();
        jdbc.sql("DELETE FROM directory.memberships WHERE account_id = ? AND user_id = ?")
                .params(brand, ann)
                .update();

        deactivate(ann);

        assertThat(scimJobs(portfolio.id())).isEqualTo(1);
        assertThat(scim(HttpMethod.GET, users() + "/" + ann, null).text()).doesNotContain("lastOffboardingJobId");
    }

    /**
     * A deactivation of a user whose only access was an invitation whose expiry has passed, its row not
     * yet deleted by the bulk-worker's expiry sweep, has nothing to remove: it submits no offboarding job
     * and names none, as after the sweep.
     */
    @Test
    void aDeactivationOfAUserWhoseOnlyInvitationHasExpiredSubmitsNoJob() throws ScimException {
        UserResource user = new UserResource();
        user.setUserName(portfolio.email("lapsed"));
        UUID lapsed = UUID.fromString(service.create("Users", user).getId());
        portfolio.invited(
                portfolio.account("Brand"),
                lapsed,
                AccountRole.ANALYST,
                Instant.now().minus(Duration.ofMinutes(5)));

        UserResource deactivated = deactivate(lapsed);

        assertThat(deactivated.getActive()).isFalse();
        assertThat(scimJobs(portfolio.id())).isZero();
        assertThat(scim(HttpMethod.GET, users() + "/" + lapsed, null).text()).doesNotContain("lastOffboardingJobId");
    }

    /**
     * Once an offboarding removed what the rules let it, a repeated deactivation or a DELETE submits
     * nothing: here it removed one membership and kept ann's as the Owner of another account.
     */
    @Test
    void aDeactivatedUserWithoutAccessAgainIsNotOffboardedAgain(@Autowired PlatformTransactionManager transactions)
            throws ScimException {
        WorkerSimulation worker = new WorkerSimulation(jdbc, transactions);
        UUID ann = portfolio.user("ann");
        UUID brand = portfolio.account("Brand");
        portfolio.member(brand, ann, AccountRole.ANALYST);
        portfolio.member(portfolio.account("Ann's own brand"), ann, AccountRole.OWNER);
        deactivate(ann);
        UUID first = lastScimJob();
        jdbc.sql("DELETE FROM directory.memberships WHERE account_id = ? AND user_id = ?")
                .params(brand, ann)
                .update();
        // The worker removes her from Brand and keeps her as the Owner of her own brand.
        for (UUID task : worker.taskIds(first)) {
            boolean brandTask = brand.equals(jdbc.sql("SELECT account_id FROM jobs.bulk_tasks WHERE id = ?")
                    .params(task)
                    .query(UUID.class)
                    .single());
            worker.apply(task, brandTask ? "SUCCEEDED" : "SKIPPED", brandTask ? null : "OWNER_PROTECTED", "ANALYST");
        }

        UserResource again = deactivate(ann);
        service.delete("Users", ann.toString());

        assertThat(again.getActive()).isFalse();
        assertThat(scimJobs(portfolio.id())).isEqualTo(1);
        assertThatThrownBy(() -> service.retrieve("Users", ann.toString(), UserResource.class))
                .isInstanceOf(ResourceNotFoundException.class);
    }

    /**
     * A user with no access when first deactivated (no job) whom an administrator invites later is
     * offboarded by the identity provider's next deactivation: the PATCH's own change of the user on
     * the way does not make the invitation look older than the first deactivation.
     */
    @Test
    void aUserDeactivatedWithoutAJobAndInvitedLaterIsOffboardedByTheNextDeactivation() throws ScimException {
        UserResource user = new UserResource();
        user.setUserName(portfolio.email("joiner"));
        UUID joiner = UUID.fromString(service.create("Users", user).getId());
        deactivate(joiner);
        assertThat(scimJobs(portfolio.id())).isZero();
        UUID brand = portfolio.account("Brand");
        portfolio.member(brand, joiner, AccountRole.ANALYST);

        deactivate(joiner);

        assertThat(scimJobs(portfolio.id())).isEqualTo(1);
        assertThat(removals(lastScimJob())).containsExactly(brand);
    }

    /**
     * A task of ann's offboarding failed, and the identity provider deletes her a month later (Entra ID
     * deletes a month after a soft delete), once retention has deleted that finished job: she is
     * offboarded again. Before, the deleted job read as an offboarding that left nothing, and the
     * DELETE hid her from the identity provider with her access.
     */
    @Test
    void aUserWhoseFailedOffboardingRetentionDeletedIsOffboardedAgainWhenDeleted(
            @Autowired PlatformTransactionManager transactions, @Autowired Retention retention) throws ScimException {
        WorkerSimulation worker = new WorkerSimulation(jdbc, transactions);
        UUID ann = portfolio.user("ann");
        UUID brand = portfolio.account("Brand");
        portfolio.member(brand, ann, AccountRole.ANALYST);
        deactivate(ann);
        UUID first = lastScimJob();
        worker.apply(worker.taskIds(first).getFirst(), "FAILED", "RETRIES_EXHAUSTED", null);
        jdbc.sql("UPDATE jobs.bulk_jobs SET completed_at = now() - interval '31 days' WHERE id = ?")
                .params(first)
                .update();
        retention.run();
        assertThat(jdbc.sql("SELECT count(*) FROM jobs.bulk_jobs WHERE id = ?")
                        .params(first)
                        .query(Long.class)
                        .single())
                .isZero();

        service.delete("Users", ann.toString());

        assertThat(scimJobs(portfolio.id())).isEqualTo(1);
        assertThat(removals(lastScimJob())).containsExactly(brand);
    }

    /**
     * Ann was deactivated before the time of a deactivation was recorded (its column empty), and an
     * administrator invited her back since: the identity provider's next deactivation offboards her.
     * Before, the PATCH's own change of her link made the invitation look older than the deactivation.
     */
    @Test
    void aUserDeactivatedBeforeItsTimeWasRecordedAndInvitedBackIsOffboardedAgain() throws ScimException {
        UUID ann = portfolio.user("ann");
        UUID brand = portfolio.account("Brand");
        jdbc.sql("""
                        INSERT INTO jobs.scim_users (portfolio_id, user_id, active, deactivations, updated_at)
                        VALUES (?, ?, false, 1, now() - interval '2 days')
                        """).params(portfolio.id(), ann).update();
        portfolio.member(brand, ann, AccountRole.ANALYST);

        deactivate(ann);

        assertThat(scimJobs(portfolio.id())).isEqualTo(1);
        assertThat(removals(lastScimJob())).containsExactly(brand);
    }

    /**
     * Ann is a member of Shop, an account not in the portfolio, when the identity provider deactivates
     * her; the offboarding removes her from Brand. The Owner then links Shop to the portfolio (a link
     * changes the account, not her membership), and the identity provider deletes her: her access to
     * Shop is removed. Before, only a membership made or changed since the deactivation counted, and the
     * DELETE hid her from the identity provider with that access.
     */
    @Test
    void deletesAgainAUserWithAccessToAnAccountLinkedSinceTheirDeactivation(
            @Autowired PlatformTransactionManager transactions) throws ScimException {
        WorkerSimulation worker = new WorkerSimulation(jdbc, transactions);
        UUID ann = portfolio.user("ann");
        UUID brand = portfolio.account("Brand");
        UUID shop = directory.unlinkedAccount("Shop");
        portfolio.member(brand, ann, AccountRole.ANALYST);
        directory.member(shop, ann, AccountRole.MANAGER);
        deactivate(ann);
        UUID first = lastScimJob();
        removeMembership(brand, ann);
        worker.completeAll(first);
        link(shop);

        service.delete("Users", ann.toString());

        assertThat(listedScimJobs()).hasSize(2).first().isNotEqualTo(first.toString());
        assertThat(listedRemovals(listedScimJobs().getFirst())).containsExactly(shop.toString());
        assertThatThrownBy(() -> service.retrieve("Users", ann.toString(), UserResource.class))
                .isInstanceOf(ResourceNotFoundException.class);
    }

    /**
     * The Owner unlinked Shop while ann's offboarding ran, so its task there was skipped
     * {@code ACCOUNT_NOT_IN_PORTFOLIO} and her membership stayed; Shop is linked again later, and the
     * identity provider deactivates her once more: that access is removed.
     */
    @Test
    void deactivatesAgainAUserWhoseAccountWasUnlinkedDuringTheirOffboardingAndLinkedAgain(
            @Autowired PlatformTransactionManager transactions) throws ScimException {
        WorkerSimulation worker = new WorkerSimulation(jdbc, transactions);
        UUID ann = portfolio.user("ann");
        UUID brand = portfolio.account("Brand");
        UUID shop = portfolio.account("Shop");
        portfolio.member(brand, ann, AccountRole.ANALYST).member(shop, ann, AccountRole.SUPPORT);
        deactivate(ann);
        UUID first = lastScimJob();
        directory.unlink(shop);
        removeMembership(brand, ann);
        for (UUID task : worker.taskIds(first)) {
            boolean brandTask = brand.equals(jdbc.sql("SELECT account_id FROM jobs.bulk_tasks WHERE id = ?")
                    .params(task)
                    .query(UUID.class)
                    .single());
            worker.apply(
                    task, brandTask ? "SUCCEEDED" : "SKIPPED", brandTask ? null : "ACCOUNT_NOT_IN_PORTFOLIO", null);
        }
        link(shop);

        UserResource again = deactivate(ann);

        assertThat(again.getActive()).isFalse();
        assertThat(listedScimJobs()).hasSize(2);
        assertThat(listedRemovals(listedScimJobs().getFirst())).containsExactly(shop.toString());
    }

    /**
     * Ann had no access in the portfolio when the identity provider first deactivated her (no job), only
     * to Shop, an account not in it. Shop is linked since, and the identity provider deletes her: her
     * access to Shop is removed.
     */
    @Test
    void deletesAUserDeactivatedWithoutAJobWhoseAccountWasLinkedSince() throws ScimException {
        UUID ann = directory.user(portfolio.email("ann"), false);
        UUID shop = directory.unlinkedAccount("Shop");
        directory.member(shop, ann, AccountRole.ANALYST);
        UserResource user = new UserResource();
        user.setUserName(portfolio.email("ann"));
        assertThat(service.create("Users", user).getId()).isEqualTo(ann.toString());
        deactivate(ann);
        assertThat(listedScimJobs()).isEmpty();
        link(shop);

        service.delete("Users", ann.toString());

        assertThat(listedScimJobs()).hasSize(1);
        assertThat(listedRemovals(listedScimJobs().getFirst())).containsExactly(shop.toString());
    }

    /** Links the account to the portfolio as the worker does: the account changes, its memberships do not. */
    private void link(UUID accountId) {
        jdbc.sql("UPDATE directory.accounts SET portfolio_id = ? WHERE id = ?")
                .params(portfolio.id(), accountId)
                .update();
    }

    /** What the worker's removal of the membership does to the directory. */
    private void removeMembership(UUID accountId, UUID userId) {
        jdbc.sql("DELETE FROM directory.memberships WHERE account_id = ? AND user_id = ?")
                .params(accountId, userId)
                .update();
    }

    /** The ids of the identity provider's jobs in the portfolio's jobs list, newest first. */
    private List<String> listedScimJobs() {
        var jobs = api.get(admin(portfolio.id()), jobsPath(portfolio.id()));
        assertThat(jobs.status()).as(jobs.text()).isEqualTo(200);
        return jobs.body().path("items").values().stream()
                .filter(job -> job.path("origin").asString().equals("SCIM"))
                .map(job -> job.path("jobId").asString())
                .toList();
    }

    /** The accounts of the job's removals, as its task list shows them. */
    private List<String> listedRemovals(String jobId) {
        var tasks = api.get(admin(portfolio.id()), jobPath(portfolio.id(), jobId) + "/tasks");
        assertThat(tasks.status()).as(tasks.text()).isEqualTo(200);
        return tasks.body().path("items").values().stream()
                .filter(task -> task.path("action").asString().equals("REMOVE"))
                .map(task -> task.path("accountId").asString())
                .toList();
    }

    private UserResource deactivate(UUID user) throws ScimException {
        return service.modifyRequest("Users", user.toString())
                .replaceValue("active", false)
                .invoke(UserResource.class);
    }

    private UUID lastScimJob() {
        return jdbc.sql("SELECT id FROM jobs.bulk_jobs WHERE portfolio_id = ? AND origin = 'SCIM'"
                        + " ORDER BY created_at DESC LIMIT 1")
                .params(portfolio.id())
                .query(UUID.class)
                .single();
    }

    private List<UUID> removals(UUID jobId) {
        return jdbc.sql("SELECT account_id FROM jobs.bulk_tasks WHERE job_id = ? AND action = 'REMOVE'")
                .params(jobId)
                .query(UUID.class)
                .list();
    }

    @Test
    void searchesByPostAndReadsTheAttributesItAskedFor() throws ScimException {
        UUID ann = portfolio.user("ann");
        portfolio.member(portfolio.account("Brand"), ann, AccountRole.ANALYST);
        portfolio.member(portfolio.account("Brand"), portfolio.user("bob"), AccountRole.ANALYST);

        ListResponse<UserResource> found = service.searchRequest("Users")
                .filter("userName eq \"" + portfolio.email("ann") + "\"")
                .attributes("userName")
                .invokePost(UserResource.class);
        ListResponse<UserResource> paged =
                service.searchRequest("Users").page(2, 1).invokePost(UserResource.class);
        UserResource read = service.retrieveRequest("Users", ann.toString())
                .excludedAttributes("meta", "emails")
                .invoke(UserResource.class);

        assertThat(found.getTotalResults()).isEqualTo(1);
        UserResource user = found.getResources().getFirst();
        assertThat(user.getId()).isEqualTo(ann.toString());
        assertThat(user.getUserName()).isEqualTo(portfolio.email("ann"));
        assertThat(user.getActive()).isNull();
        assertThat(user.getMeta()).isNull();
        assertThat(paged.getTotalResults()).isEqualTo(2);
        assertThat(paged.getResources())
                .singleElement()
                .satisfies(second -> assertThat(second.getUserName()).isEqualTo(portfolio.email("bob")));
        assertThat(read.getUserName()).isEqualTo(portfolio.email("ann"));
        assertThat(read.getMeta()).isNull();
        assertThat(read.getEmails()).isNullOrEmpty();
    }

    @Test
    void replacesAndDeletesOnlyTheVersionItRead() throws ScimException {
        UUID ann = portfolio.user("ann");
        portfolio.member(portfolio.account("Brand"), ann, AccountRole.ANALYST);
        UserResource read = service.retrieve("Users", ann.toString(), UserResource.class);
        read.setDisplayName("Ann");
        UserResource replaced = service.replaceRequest(read).ifMatch().invoke();

        read.setDisplayName("Stale");
        assertThatThrownBy(() -> service.replaceRequest(read).ifMatch().invoke())
                .isInstanceOf(PreconditionFailedException.class);
        assertThatThrownBy(() -> service.deleteRequest("Users", ann.toString())
                        .ifMatch(read.getMeta().getVersion())
                        .invoke())
                .isInstanceOf(PreconditionFailedException.class);
        service.deleteRequest("Users", ann.toString())
                .ifMatch(replaced.getMeta().getVersion())
                .invoke();

        assertThat(replaced.getDisplayName()).isEqualTo("Ann");
        assertThat(replaced.getMeta().getVersion()).isNotEqualTo(read.getMeta().getVersion());
        assertThatThrownBy(() -> service.retrieve("Users", ann.toString(), UserResource.class))
                .isInstanceOf(ResourceNotFoundException.class);
        assertThat(scimJobs(portfolio.id())).isEqualTo(1);
    }

    /**
     * A deactivation whose offboarding job cannot be submitted (a submission with its key is still being
     * created) changes nothing, its version included: the identity provider's retry with the same
     * {@code If-Match} deactivates the user into the job. Before, the failed request had raised the
     * version twice, and the retry answered 412 while the user stayed active without a job.
     */
    @Test
    void retriesWithTheSameVersionADeactivationWhoseJobCouldNotBeSubmitted(@Autowired DataSource dataSource)
            throws Exception {
        UUID ann = portfolio.user("ann");
        portfolio.member(portfolio.account("Brand"), ann, AccountRole.ANALYST);
        String version = versionOf(ann);

        try (HeldKeys held = HeldKeys.on(dataSource)) {
            assertThatThrownBy(() -> deactivate(ann, version)).isInstanceOf(ResourceConflictException.class);
        }
        UserResource unchanged = service.retrieve("Users", ann.toString(), UserResource.class);
        UserResource deactivated = deactivate(ann, version);

        assertThat(unchanged.getActive()).isTrue();
        assertThat(unchanged.getMeta().getVersion()).isEqualTo(version);
        assertThat(deactivated.getActive()).isFalse();
        assertThat(scimJobs(portfolio.id())).isEqualTo(1);
        assertThat(deactivated.getMeta().getVersion()).isNotEqualTo(version);
    }

    /**
     * The same for a deactivation sent with a {@code userName} it may not change: the retry offboards
     * the user, then answers the refusal, as the first request would have.
     */
    @Test
    void retriesWithTheSameVersionADeactivationRefusedForItsUserName(@Autowired DataSource dataSource)
            throws Exception {
        UUID ann = portfolio.user("ann");
        portfolio.member(portfolio.account("Brand"), ann, AccountRole.ANALYST);
        String version = versionOf(ann);

        try (HeldKeys held = HeldKeys.on(dataSource)) {
            assertThatThrownBy(() -> deactivateRenamed(ann, version)).isInstanceOf(ResourceConflictException.class);
        }
        assertThatThrownBy(() -> deactivateRenamed(ann, version)).isInstanceOf(BadRequestException.class);

        assertThat(service.retrieve("Users", ann.toString(), UserResource.class).getActive())
                .isFalse();
        assertThat(scimJobs(portfolio.id())).isEqualTo(1);
    }

    /** The same for a deletion: the retry offboards the user and deletes them. */
    @Test
    void retriesWithTheSameVersionADeletionWhoseJobCouldNotBeSubmitted(@Autowired DataSource dataSource)
            throws Exception {
        UUID ann = portfolio.user("ann");
        portfolio.member(portfolio.account("Brand"), ann, AccountRole.ANALYST);
        String version = versionOf(ann);

        try (HeldKeys held = HeldKeys.on(dataSource)) {
            assertThatThrownBy(() -> service.deleteRequest("Users", ann.toString())
                            .ifMatch(version)
                            .invoke())
                    .isInstanceOf(ResourceConflictException.class);
        }
        UserResource unchanged = service.retrieve("Users", ann.toString(), UserResource.class);
        service.deleteRequest("Users", ann.toString()).ifMatch(version).invoke();

        assertThat(unchanged.getMeta().getVersion()).isEqualTo(version);
        assertThatThrownBy(() -> service.retrieve("Users", ann.toString(), UserResource.class))
                .isInstanceOf(ResourceNotFoundException.class);
        assertThat(scimJobs(portfolio.id())).isEqualTo(1);
    }

    /**
     * The same for a creation with {@code active: false}. The identity provider deleted ann, whose
     * offboarding failed (she keeps her access to Brand), and creates her again inactive: the failed
     * request links no one, and its retry creates her inactive into an offboarding of Brand. Before, the
     * failed request left her linked and active with no job, and the retry answered 409 {@code
     * uniqueness}, so the identity provider could not deactivate her.
     */
    @Test
    void retriesACreationOfAnInactiveUserWhoseJobCouldNotBeSubmitted(
            @Autowired DataSource dataSource, @Autowired PlatformTransactionManager transactions) throws Exception {
        WorkerSimulation worker = new WorkerSimulation(jdbc, transactions);
        UUID ann = portfolio.user("ann");
        UUID brand = portfolio.account("Brand");
        portfolio.member(brand, ann, AccountRole.ANALYST);
        service.delete("Users", ann.toString());
        UUID deletion = lastScimJob();
        worker.apply(worker.taskIds(deletion).getFirst(), "FAILED", "RETRIES_EXHAUSTED", null);
        UserResource user = new UserResource();
        user.setUserName(portfolio.email("ann"));
        user.setActive(false);

        try (HeldKeys held = HeldKeys.on(dataSource)) {
            assertThatThrownBy(() -> service.create("Users", user)).isInstanceOf(ResourceConflictException.class);
        }
        Scim meanwhile = scim(HttpMethod.GET, users() + "/" + ann, null);
        UserResource created = service.create("Users", user);

        assertThat(meanwhile.status()).as("the failed creation linked no one").isEqualTo(404);
        assertThat(created.getId()).isEqualTo(ann.toString());
        assertThat(created.getActive()).isFalse();
        assertThat(scimJobs(portfolio.id())).isEqualTo(2);
        UUID offboarding = lastScimJob();
        assertThat(offboarding).isNotEqualTo(deletion);
        assertThat(removals(offboarding)).containsExactly(brand);
        Scim read = scim(HttpMethod.GET, users() + "/" + ann, null);
        assertThat(read.json().path("active").asBoolean(true)).as(read.text()).isFalse();
        assertThat(read.json()
                        .path(ScimResources.ACCESS_EXTENSION)
                        .path("lastOffboardingJobId")
                        .asString())
                .isEqualTo(offboarding.toString());
    }

    /**
     * A deactivation rolled back after its job was stored (here the record of the deactivation fails)
     * counts no job: {@code bulk_jobs_submitted_total} moves once, for the retry that commits it. Before,
     * the job that never existed was counted too.
     */
    @Test
    void aDeactivationRolledBackAfterItsJobWasStoredCountsNoJob(@Autowired MeterRegistry meters) throws Exception {
        UUID ann = portfolio.user("ann");
        portfolio.member(portfolio.account("Brand"), ann, AccountRole.ANALYST);
        String version = versionOf(ann);
        Counter submitted =
                meters.get("bulk.jobs.submitted").tag("type", "OFFBOARD_USERS").counter();
        double before = submitted.count();

        jdbc.sql("""
                        CREATE FUNCTION jobs.test_failed_deactivation() RETURNS trigger LANGUAGE plpgsql AS $$
                        BEGIN RAISE EXCEPTION 'the deactivation cannot be recorded'; END $$
                        """).update();
        try {
            jdbc.sql("CREATE TRIGGER test_failed_deactivation BEFORE UPDATE ON jobs.scim_users FOR EACH ROW"
                            + " WHEN (NEW.deactivations > OLD.deactivations)"
                            + " EXECUTE FUNCTION jobs.test_failed_deactivation()")
                    .update();
            assertThatThrownBy(() -> deactivate(ann, version)).isInstanceOf(ScimException.class);
        } finally {
            jdbc.sql("DROP TRIGGER IF EXISTS test_failed_deactivation ON jobs.scim_users")
                    .update();
            jdbc.sql("DROP FUNCTION jobs.test_failed_deactivation()").update();
        }
        assertThat(scimJobs(portfolio.id())).isZero();
        assertThat(submitted.count()).as("no job was stored").isEqualTo(before);

        assertThat(deactivate(ann, version).getActive()).isFalse();

        assertThat(scimJobs(portfolio.id())).isEqualTo(1);
        assertThat(submitted.count()).isEqualTo(before + 1);
    }

    /** The user's version as the identity provider reads it, for its If-Match. */
    private String versionOf(UUID user) throws ScimException {
        return service.retrieve("Users", user.toString(), UserResource.class)
                .getMeta()
                .getVersion();
    }

    private UserResource deactivate(UUID user, String version) throws ScimException {
        return service.modifyRequest("Users", user.toString())
                .replaceValue("active", false)
                .ifMatch(version)
                .invoke(UserResource.class);
    }

    private UserResource deactivateRenamed(UUID user, String version) throws ScimException {
        return service.modifyRequest("Users", user.toString())
                .replaceValue("userName", portfolio.email("renamed"))
                .replaceValue("active", false)
                .ifMatch(version)
                .invoke(UserResource.class);
    }

    /**
     * A transaction that keeps every write of the idempotency keys waiting, as a submission with the
     * same key still being created would: a submission meanwhile waits {@code
     * bulk.gateway.jobs.duplicate-wait} and answers 409. Closing it rolls back.
     */
    private record HeldKeys(Connection holder) implements AutoCloseable {

        static HeldKeys on(DataSource dataSource) throws SQLException {
            Connection holder = dataSource.getConnection();
            try (Statement lock = holder.createStatement()) {
                holder.setAutoCommit(false);
                lock.execute("LOCK TABLE jobs.idempotency_keys IN EXCLUSIVE MODE");
                return new HeldKeys(holder);
            } catch (SQLException | RuntimeException ex) {
                holder.close();
                throw ex;
            }
        }

        @Override
        public void close() throws SQLException {
            try {
                holder.rollback();
            } finally {
                holder.close();
            }
        }
    }

    /**
     * An identity provider that searches for its user before it creates them, by a {@code userName}
     * with KELVIN SIGN (U+212A) where Kate's address has 'k' (Java lower-cases the one to the other),
     * finds no one: it used to find Kate, link its user to her and, deactivating that user, offboard
     * her. Creating that user is refused (it is no address), and a replacement or modification of Kate
     * carrying that {@code userName} is a change of hers (400 {@code mutability}) that changes nothing.
     */
    @Test
    void aUserNameThatLowerCasesToAnotherUsersAddressFindsNoOneAndIsNoUsersOwn() throws ScimException {
        UUID kate = portfolio.user("kate");
        portfolio.member(portfolio.account("Brand"), kate, AccountRole.ANALYST);
        String lookalike = "\u212A" + portfolio.email("kate").substring(1);
        UserResource newcomer = new UserResource();
        newcomer.setUserName(lookalike);
        UserResource replacement = service.retrieve("Users", kate.toString(), UserResource.class);
        replacement.setUserName(lookalike);
        replacement.setDisplayName("Not Kate");

        ListResponse<UserResource> found = service.searchRequest("Users")
                .filter("userName eq \"" + lookalike + "\"")
                .invoke(UserResource.class);
        ListResponse<UserResource> foundByPost = service.searchRequest("Users")
                .filter("userName eq \"" + lookalike + "\"")
                .invokePost(UserResource.class);

        assertThat(found.getTotalResults()).isZero();
        assertThat(foundByPost.getTotalResults()).isZero();
        assertThatThrownBy(() -> service.create("Users", newcomer))
                .isInstanceOfSatisfying(
                        BadRequestException.class,
                        ex -> assertThat(ex.getScimError().getScimType()).isEqualTo("invalidValue"));
        assertThatThrownBy(() -> service.replace(replacement))
                .isInstanceOfSatisfying(
                        BadRequestException.class,
                        ex -> assertThat(ex.getScimError().getScimType()).isEqualTo("mutability"));
        assertThatThrownBy(() -> service.modifyRequest("Users", kate.toString())
                        .replaceValue("userName", lookalike)
                        .replaceValue("displayName", "Not Kate")
                        .invoke(UserResource.class))
                .isInstanceOfSatisfying(
                        BadRequestException.class,
                        ex -> assertThat(ex.getScimError().getScimType()).isEqualTo("mutability"));
        UserResource after = service.retrieve("Users", kate.toString(), UserResource.class);
        assertThat(after.getUserName()).isEqualTo(portfolio.email("kate"));
        assertThat(after.getDisplayName()).isNull();
        assertThat(after.getActive()).isTrue();
        assertThat(scimJobs(portfolio.id())).isZero();
    }

    /**
     * A user stored before the rule of addresses (when any text with an @ and a dot was taken), whose
     * address breaks it ({@code k\\u00f6nig...}, with a letter outside ASCII), is found by that address
     * and managed like any other: a PATCH carries it as {@code userName}, so deactivating and
     * reactivating them, and a PUT with it, are no change of it. A text that only lower-cases to it
     * ({@code \\u212A} for its k) still finds no one and is a change (400 {@code mutability}).
     */
    @Test
    void aUserWhoseAddressWasStoredBeforeTheRuleIsFoundAndManagedByIt() throws ScimException {
        UUID konig = portfolio.user("k\u00f6nig");
        portfolio.member(portfolio.account("Brand"), konig, AccountRole.ANALYST);
        String legacy = portfolio.email("k\u00f6nig");
        String lookalike = "\u212A" + legacy.substring(1);
        assertThat(EmailAddresses.isValid(legacy)).as(legacy).isFalse();

        ListResponse<UserResource> found = service.searchRequest("Users")
                .filter("userName eq \"" + legacy + "\"")
                .invoke(UserResource.class);
        ListResponse<UserResource> foundByPost = service.searchRequest("Users")
                .filter("userName eq \"" + legacy + "\"")
                .invokePost(UserResource.class);
        ListResponse<UserResource> foundByLookalike = service.searchRequest("Users")
                .filter("userName eq \"" + lookalike + "\"")
                .invoke(UserResource.class);
        UserResource deactivated = service.modifyRequest("Users", konig.toString())
                .replaceValue("active", false)
                .invoke(UserResource.class);
        UserResource reactivated = service.modifyRequest("Users", konig.toString())
                .replaceValue("active", true)
                .invoke(UserResource.class);
        UserResource replacement = service.retrieve("Users", konig.toString(), UserResource.class);
        replacement.setDisplayName("K\u00f6nig");
        UserResource replaced = service.replace(replacement);

        assertThat(found.getTotalResults()).isEqualTo(1);
        assertThat(found.getResources().getFirst().getId()).isEqualTo(konig.toString());
        assertThat(foundByPost.getTotalResults()).isEqualTo(1);
        assertThat(foundByLookalike.getTotalResults()).isZero();
        assertThat(deactivated.getActive()).isFalse();
        assertThat(reactivated.getActive()).isTrue();
        assertThat(replaced.getUserName()).isEqualTo(legacy);
        assertThat(replaced.getDisplayName()).isEqualTo("K\u00f6nig");
        assertThat(replaced.getActive()).isTrue();
        assertThat(scimJobs(portfolio.id())).isEqualTo(1);
        assertThatThrownBy(() -> service.modifyRequest("Users", konig.toString())
                        .replaceValue("userName", lookalike)
                        .replaceValue("displayName", "Not K\u00f6nig")
                        .invoke(UserResource.class))
                .isInstanceOfSatisfying(
                        BadRequestException.class,
                        ex -> assertThat(ex.getScimError().getScimType()).isEqualTo("mutability"));
        assertThat(service.retrieve("Users", konig.toString(), UserResource.class)
                        .getDisplayName())
                .isEqualTo("K\u00f6nig");
    }

    @Test
    void readsTheScimErrorsItIsAnswered() {
        Client stranger = clientWith("scim_not-a-token");
        try {
            ScimService refused = new ScimService(stranger.target("http://localhost:" + port + base()));

            assertThatThrownBy(() -> refused.retrieve("Users", UUID.randomUUID().toString(), UserResource.class))
                    .isInstanceOfSatisfying(
                            ScimException.class,
                            ex -> assertThat(ex.getScimError().getStatus()).isEqualTo(401));
            assertThatThrownBy(() -> service.searchRequest("Users")
                            .filter("displayName sw \"A\"")
                            .invoke(UserResource.class))
                    .isInstanceOfSatisfying(
                            ScimException.class,
                            ex -> assertThat(ex.getScimError().getScimType()).isEqualTo("invalidFilter"));
        } finally {
            stranger.close();
        }
    }
}

package com.portfoliobulk.gateway.scim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.contracts.AccountRole;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;
import javax.sql.DataSource;
import net.ttddyy.dsproxy.ExecutionInfo;
import net.ttddyy.dsproxy.QueryInfo;
import net.ttddyy.dsproxy.listener.ChainListener;
import net.ttddyy.dsproxy.listener.QueryExecutionListener;
import net.ttddyy.dsproxy.proxy.ParameterSetOperation;
import net.ttddyy.dsproxy.support.ProxyDataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpMethod;
import tools.jackson.databind.JsonNode;

/**
 * Querying with a SearchRequest ({@code POST /Users/.search} and the root {@code POST /.search},
 * RFC 7644 section 3.4.3) answers what the same query as parameters of {@code GET /Users} answers;
 * and {@code attributes} / {@code excludedAttributes} (sections 3.4.2.5 and 3.9) select what every
 * answer with users carries.
 */
class ScimQueryIntegrationTests extends ScimIntegrationTest {

    private static final String SEARCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

    private static final String USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User";

    @Autowired
    DataSource dataSource;

    @Test
    void aSearchRequestAnswersWhatTheSameQueryAsParametersAnswers() {
        UUID brand = portfolio.account("Brand");
        for (String name : List.of("a", "b", "c")) {
            portfolio.member(brand, portfolio.user(name), AccountRole.SUPPORT);
        }

        Scim byGet = scim(HttpMethod.GET, users() + "?startIndex=2&count=1&attributes=userName,emails.value", null);
        String search = """
                {"schemas":["%s"],"startIndex":2,"count":1,"attributes":["userName","emails.value"]}""".formatted(SEARCH_SCHEMA);
        Scim byPost = scim(HttpMethod.POST, users() + "/.search", search);
        Scim atRoot = scim(HttpMethod.POST, base() + "/.search", search);
        Scim filtered = scim(HttpMethod.POST, users() + "/.search", """
                {"schemas":["%s"],"filter":"userName eq \\"%s\\"","sortBy":"userName","sortOrder":"ascending"}""".formatted(
                        SEARCH_SCHEMA, portfolio.email("c").toUpperCase()));

        assertThat(byGet.status()).as(byGet.text()).isEqualTo(200);
        assertThat(byPost.status()).as(byPost.text()).isEqualTo(200);
        assertThat(byPost.headers().getContentType().toString()).startsWith(SCIM_JSON);
        assertThat(byPost.json()).isEqualTo(byGet.json());
        assertThat(atRoot.status()).as(atRoot.text()).isEqualTo(200);
        assertThat(atRoot.json()).isEqualTo(byGet.json());
        assertThat(byPost.json().path("totalResults").asInt()).isEqualTo(3);
        assertThat(byPost.json().path("startIndex").asInt()).isEqualTo(2);
        JsonNode only = byPost.json().path("Resources").get(0);
        assertThat(names(only)).containsExactly("schemas", "id", "userName", "emails");
        assertThat(only.path("userName").asString()).isEqualTo(portfolio.email("b"));
        assertThat(names(only.path("emails").get(0))).containsExactly("value");
        assertThat(filtered.status()).as(filtered.text()).isEqualTo(200);
        assertThat(filtered.json().path("totalResults").asInt()).isEqualTo(1);
        assertThat(filtered.json().path("Resources").get(0).path("userName").asString())
                .isEqualTo(portfolio.email("c"));
    }

    /**
     * A filter's value is a JSON string (RFC 7644 section 3.4.2.2), so its escapes are read as JSON's,
     * {@code \\u006f} among them; and its attribute may be named with the schema's URN (section 3.10),
     * as clients that build paths from the schema write it.
     */
    @Test
    void aFilterReadsJsonEscapesAndAttributesNamedWithTheSchemasUrn() {
        UUID brand = portfolio.account("Brand");
        UUID jorg = portfolio.user("jorg");
        portfolio.member(brand, jorg, AccountRole.SUPPORT);
        String email = portfolio.email("jorg");
        String escaped = email.replaceFirst("o", "\\\\\\\\u006f");

        List<Scim> answers = List.of(
                scim(HttpMethod.POST, users() + "/.search", """
                        {"schemas":["%s"],"filter":"userName eq \\"%s\\""}""".formatted(SEARCH_SCHEMA, escaped)),
                scim(HttpMethod.POST, users() + "/.search", """
                        {"schemas":["%s"],"filter":"%s:userName eq \\"%s\\""}""".formatted(SEARCH_SCHEMA, USER_SCHEMA, email)));

        for (Scim answer : answers) {
            assertThat(answer.status()).as(answer.text()).isEqualTo(200);
            assertThat(answer.json().path("totalResults").asInt())
                    .as(answer.text())
                    .isEqualTo(1);
            assertThat(answer.json().path("Resources").get(0).path("id").asString())
                    .isEqualTo(jorg.toString());
        }
        Scim broken = scim(HttpMethod.POST, users() + "/.search", """
                {"schemas":["%s"],"filter":"userName eq \\"j\\\\u00zzrg\\""}""".formatted(SEARCH_SCHEMA));
        assertScimError(broken, 400, "invalidFilter");
    }

    /**
     * A SearchRequest's member names are read in any case, as attribute names are (RFC 7643 section
     * 2.1); a member it does not have is refused by name, not ignored: ignoring a misspelt filter
     * answered every user, and a client taking the first result would change the wrong person.
     */
    @Test
    void aSearchRequestsMembersAreReadInAnyCaseAndAnUnknownOneIsRefused() {
        UUID brand = portfolio.account("Brand");
        for (String name : List.of("a", "b", "c")) {
            portfolio.member(brand, portfolio.user(name), AccountRole.SUPPORT);
        }

        Scim capitalised =
                scim(HttpMethod.POST, users() + "/.search", """
                {"Schemas":["%s"],"Filter":"userName eq \\"%s\\"","COUNT":5}""".formatted(SEARCH_SCHEMA, portfolio.email("c")));
        Scim misspelt = scim(HttpMethod.POST, users() + "/.search", """
                {"schemas":["%s"],"filtre":"userName eq \\"%s\\""}""".formatted(SEARCH_SCHEMA, portfolio.email("c")));
        Scim twice = scim(HttpMethod.POST, users() + "/.search", """
                {"schemas":["%s"],"filter":"userName eq \\"%s\\"","Filter":"userName pr"}""".formatted(SEARCH_SCHEMA, portfolio.email("c")));

        assertThat(capitalised.status()).as(capitalised.text()).isEqualTo(200);
        assertThat(capitalised.json().path("totalResults").asInt()).isEqualTo(1);
        assertThat(capitalised.json().path("Resources").get(0).path("userName").asString())
                .isEqualTo(portfolio.email("c"));
        assertThat(misspelt.status()).as(misspelt.text()).isEqualTo(400);
        assertThat(misspelt.json().path("scimType").asString()).isEqualTo("invalidSyntax");
        assertThat(misspelt.json().path("detail").asString()).contains("'filtre'", "filter");
        assertThat(twice.status()).as(twice.text()).isEqualTo(400);
        assertThat(twice.json().path("detail").asString()).contains("'filter'", "more than once");
    }

    @Test
    void aSearchRequestWithoutItsSchemaOrWithAnUnsupportedSortIsRefusedByName() {
        Scim noSchemas = scim(HttpMethod.POST, users() + "/.search", "{\"filter\":\"userName eq \\\"x\\\"\"}");
        Scim wrongSchema = scim(HttpMethod.POST, base() + "/.search", "{\"schemas\":[\"" + PATCH_SCHEMA + "\"]}");
        Scim sortedByPost = scim(
                HttpMethod.POST,
                users() + "/.search",
                "{\"schemas\":[\"" + SEARCH_SCHEMA + "\"],\"sortBy\":\"displayName\"}");
        Scim sortedByGet = scim(HttpMethod.GET, users() + "?sortBy=userName&sortOrder=descending", null);
        Scim countAsText = scim(
                HttpMethod.POST, users() + "/.search", "{\"schemas\":[\"" + SEARCH_SCHEMA + "\"],\"count\":\"ten\"}");
        Scim badFilter = scim(
                HttpMethod.POST,
                users() + "/.search",
                "{\"schemas\":[\"" + SEARCH_SCHEMA + "\"],\"filter\":\"title co \\\"x\\\"\"}");

        assertScimError(noSchemas, 400, "invalidSyntax");
        assertThat(noSchemas.json().path("detail").asString()).contains("'schemas'", SEARCH_SCHEMA);
        assertScimError(wrongSchema, 400, "invalidSyntax");
        assertScimError(sortedByPost, 400, "invalidValue");
        assertThat(sortedByPost.json().path("detail").asString()).contains("'sortBy'");
        assertScimError(sortedByGet, 400, "invalidValue");
        assertThat(sortedByGet.json().path("detail").asString()).contains("'sortOrder'");
        assertScimError(countAsText, 400, "invalidValue");
        assertThat(countAsText.json().path("detail").asString()).contains("'count'", "integer");
        assertScimError(badFilter, 400, "invalidFilter");
    }

    @Test
    void attributesSelectWhatAUserAnswerCarriesWithIdAndSchemasAlways() {
        UUID ann = portfolio.user("ann");
        portfolio.member(portfolio.account("Brand"), ann, AccountRole.ANALYST);
        String path = users() + "/" + ann;

        Scim userName = scim(HttpMethod.GET, path + "?attributes=USERNAME", null);
        Scim prefixed = scim(
                HttpMethod.GET,
                path + "?attributes=" + USER_SCHEMA + ":emails.value," + ScimResources.ACCESS_EXTENSION
                        + ":note,meta.version",
                null);
        Scim listed = scim(HttpMethod.GET, users() + "?attributes=active", null);

        assertThat(userName.status()).as(userName.text()).isEqualTo(200);
        assertThat(names(userName.json())).containsExactly("schemas", "id", "userName");
        assertThat(userName.json().path("schemas")).hasSize(1);
        assertThat(userName.json().path("schemas").get(0).asString()).isEqualTo(USER_SCHEMA);
        assertThat(names(prefixed.json()))
                .containsExactly("schemas", "id", "emails", ScimResources.ACCESS_EXTENSION, "meta");
        assertThat(names(prefixed.json().path("emails").get(0))).containsExactly("value");
        assertThat(names(prefixed.json().path(ScimResources.ACCESS_EXTENSION))).containsExactly("note");
        assertThat(names(prefixed.json().path("meta"))).containsExactly("version");
        assertThat(prefixed.json().path("schemas")).hasSize(2);
        assertThat(names(listed.json().path("Resources").get(0))).containsExactly("schemas", "id", "active");
    }

    @Test
    void excludedAttributesLeaveThoseOutButNeverIdOrSchemas() {
        UUID ann = portfolio.user("ann");
        portfolio.member(portfolio.account("Brand"), ann, AccountRole.ANALYST);

        Scim answer = scim(
                HttpMethod.GET,
                users() + "/" + ann + "?excludedAttributes=id,schemas,meta,emails.type,Emails.Primary,"
                        + ScimResources.ACCESS_EXTENSION,
                null);

        assertThat(answer.status()).as(answer.text()).isEqualTo(200);
        assertThat(names(answer.json())).containsExactly("schemas", "id", "userName", "active", "emails");
        assertThat(names(answer.json().path("emails").get(0))).containsExactly("value");
        assertThat(answer.json().path("schemas")).hasSize(1);
    }

    @Test
    void theAnswersOfCreateReplaceAndPatchCarryTheSelectedAttributes() {
        UUID ann = portfolio.user("ann");
        portfolio.member(portfolio.account("Brand"), ann, AccountRole.ANALYST);

        Scim created = scim(
                HttpMethod.POST,
                users() + "?attributes=userName",
                "{\"schemas\":[\"" + USER_SCHEMA + "\"],\"userName\":\"" + portfolio.email("newcomer") + "\"}");
        Scim replaced = scim(
                HttpMethod.PUT,
                users() + "/" + ann + "?excludedAttributes=meta,emails",
                "{\"schemas\":[\"" + USER_SCHEMA + "\"],\"userName\":\"" + portfolio.email("ann")
                        + "\",\"displayName\":\"Ann\"}");
        Scim patched = scim(
                HttpMethod.PATCH,
                users() + "/" + ann + "?attributes=displayName",
                "{\"schemas\":[\"" + PATCH_SCHEMA + "\"],\"Operations\":[{\"op\":\"replace\",\"path\":"
                        + "\"displayName\",\"value\":\"Ann Example\"}]}");

        assertThat(created.status()).as(created.text()).isEqualTo(201);
        assertThat(names(created.json())).containsExactly("schemas", "id", "userName");
        assertThat(replaced.status()).as(replaced.text()).isEqualTo(200);
        assertThat(names(replaced.json())).doesNotContain("meta", "emails").contains("displayName", "active");
        assertThat(patched.status()).as(patched.text()).isEqualTo(200);
        assertThat(names(patched.json())).containsExactly("schemas", "id", "displayName");
        assertThat(patched.json().path("displayName").asString()).isEqualTo("Ann Example");
    }

    @Test
    void bothSelectionsAtOnceAreRefusedBeforeAnythingChanges() {
        UUID ann = portfolio.user("ann");
        portfolio.member(portfolio.account("Brand"), ann, AccountRole.ANALYST);

        Scim patched = scim(
                HttpMethod.PATCH,
                users() + "/" + ann + "?attributes=active&excludedAttributes=meta",
                "{\"schemas\":[\"" + PATCH_SCHEMA + "\"],\"Operations\":[{\"op\":\"replace\",\"path\":"
                        + "\"active\",\"value\":false}]}");

        assertScimError(patched, 400, "invalidValue");
        assertThat(patched.json().path("detail").asString()).contains("'attributes'", "'excludedAttributes'");
        assertThat(scim(HttpMethod.GET, users() + "/" + ann, null)
                        .json()
                        .path("active")
                        .asBoolean())
                .isTrue();
        assertThat(jobCount(portfolio.id())).isZero();
    }

    /**
     * An invitation is no access from its expiry on, also while its row waits for the bulk-worker's
     * expiry sweep, as in the directory: a user whose only access was one is in the view no more (not
     * listed, counted, found by a filter or by id), so the identity provider may create them; a user
     * whose invitation is still ahead is in it.
     */
    @Test
    void aUserWhoseOnlyInvitationHasExpiredIsNotInTheViewBeforeTheSweepDeletesIt() {
        UUID brand = portfolio.account("Brand");
        UUID lapsed = portfolio.user("lapsed");
        portfolio.invited(brand, lapsed, AccountRole.ANALYST, Instant.now().minus(Duration.ofMinutes(5)));
        UUID invitee = portfolio.user("invitee");
        portfolio.invited(brand, invitee, AccountRole.ANALYST, Instant.now().plus(Duration.ofDays(7)));

        Scim listed = scim(HttpMethod.GET, users(), null);
        Scim lapsedById = scim(HttpMethod.GET, users() + "/" + lapsed, null);
        Scim inviteeById = scim(HttpMethod.GET, users() + "/" + invitee, null);
        Scim byUserName =
                scim(HttpMethod.POST, users() + "/.search", """
                {"schemas":["%s"],"filter":"userName eq \\"%s\\""}""".formatted(SEARCH_SCHEMA, portfolio.email("lapsed")));
        Scim byFilteredId = scim(HttpMethod.POST, users() + "/.search", """
                {"schemas":["%s"],"filter":"id eq \\"%s\\""}""".formatted(SEARCH_SCHEMA, lapsed));

        assertThat(listed.status()).as(listed.text()).isEqualTo(200);
        assertThat(listed.json().path("totalResults").asInt()).as(listed.text()).isEqualTo(1);
        assertThat(listed.json().path("Resources").values())
                .extracting(user -> user.path("id").asString())
                .containsExactly(invitee.toString());
        assertScimError(lapsedById, 404, null);
        assertThat(inviteeById.status()).as(inviteeById.text()).isEqualTo(200);
        for (Scim search : List.of(byUserName, byFilteredId)) {
            assertThat(search.status()).as(search.text()).isEqualTo(200);
            assertThat(search.json().path("totalResults").asInt())
                    .as(search.text())
                    .isZero();
            assertThat(search.json().path("Resources")).as(search.text()).isEmpty();
        }

        Scim created = scim(
                HttpMethod.POST,
                users(),
                "{\"schemas\":[\"" + USER_SCHEMA + "\"],\"userName\":\"" + portfolio.email("lapsed") + "\"}");
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        assertThat(created.json().path("id").asString()).isEqualTo(lapsed.toString());
        assertThat(scim(HttpMethod.GET, users(), null)
                        .json()
                        .path("totalResults")
                        .asInt())
                .isEqualTo(2);
    }

    /**
     * {@code totalResults} and the page are read at one moment: a user who gains access while the list
     * is read is in both or in neither. The list's statement, which reads the directory's users, is held
     * on a lock of that table while another transaction gives the user access, so that the change lands
     * while the list is read every time.
     */
    @Test
    void totalResultsAndThePageAreReadFromOneSnapshot() throws Exception {
        UUID brand = portfolio.account("Brand");
        for (String name : List.of("b", "c")) {
            portfolio.member(brand, portfolio.user(name), AccountRole.SUPPORT);
        }
        UUID first = portfolio.user("a");

        Scim listed;
        try (ExecutorService client = Executors.newSingleThreadExecutor();
                Connection holder = dataSource.getConnection()) {
            holder.setAutoCommit(false);
            try (Statement lock = holder.createStatement()) {
                lock.execute("LOCK TABLE directory.users IN ACCESS EXCLUSIVE MODE");
            }
            Future<Scim> answer = client.submit(() -> scim(HttpMethod.GET, users(), null));
            await().atMost(Duration.ofSeconds(30)).until(this::pageWaitsForTheUsersTable);
            try (PreparedStatement access = holder.prepareStatement("""
                    INSERT INTO directory.memberships (account_id, user_id, role, state)
                    VALUES (?, ?, ?, 'ACTIVE')
                    """)) {
                access.setObject(1, brand);
                access.setObject(2, first);
                access.setString(3, AccountRole.SUPPORT.code());
                access.executeUpdate();
            }
            holder.commit();
            listed = answer.get(30, TimeUnit.SECONDS);
        }

        assertThat(listed.status()).as(listed.text()).isEqualTo(200);
        List<String> userNames = listed.json().path("Resources").values().stream()
                .map(user -> user.path("userName").asString())
                .toList();
        assertThat(listed.json().path("totalResults").asInt()).as(listed.text()).isEqualTo(userNames.size());
        assertThat(userNames)
                .as(listed.text())
                .isIn(
                        List.of(portfolio.email("b"), portfolio.email("c")),
                        List.of(portfolio.email("a"), portfolio.email("b"), portfolio.email("c")));
        Scim after = scim(HttpMethod.GET, users(), null);
        assertThat(after.json().path("totalResults").asInt()).isEqualTo(3);
        assertThat(after.json().path("Resources")).hasSize(3);
    }

    /**
     * An {@code externalId} is no key: an identity provider may send one value (a department's or
     * tenant's id) for many users. A page of them answers how many there are and the users of that page
     * in {@code userName} order, and the statement reads only the page: before, it read every user with
     * the value into the gateway's memory for each page asked for.
     */
    @Test
    void aFilterOnAnExternalIdManyUsersShareReadsOnlyThePageAsked() throws Exception {
        List<String> emails = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            String name = "u%02d".formatted(i);
            linkWithExternalId(portfolio.user(name), "dept-42", false);
            emails.add(portfolio.email(name));
        }
        linkWithExternalId(portfolio.user("other"), "dept-7", false);
        linkWithExternalId(portfolio.user("gone"), "dept-42", true);

        List<QueryInfo> statements = new ArrayList<>();
        Scim page = statementsOf(
                sql -> sql.contains("external_id = ?"),
                statements,
                () -> scim(HttpMethod.POST, users() + "/.search", """
                        {"schemas":["%s"],"filter":"externalId eq \\" dept-42 \\"","startIndex":3,"count":2}""".formatted(SEARCH_SCHEMA)));
        Scim countOnly = scim(HttpMethod.POST, users() + "/.search", """
                {"schemas":["%s"],"filter":"externalId eq \\"dept-42\\"","count":0}""".formatted(SEARCH_SCHEMA));
        Scim pastTheLast = scim(HttpMethod.POST, users() + "/.search", """
                {"schemas":["%s"],"filter":"externalId eq \\"dept-42\\"","startIndex":31}""".formatted(SEARCH_SCHEMA));

        assertThat(page.status()).as(page.text()).isEqualTo(200);
        assertThat(page.json().path("totalResults").asInt()).as(page.text()).isEqualTo(30);
        assertThat(page.json().path("startIndex").asInt()).isEqualTo(3);
        assertThat(page.json().path("itemsPerPage").asInt()).isEqualTo(2);
        assertThat(page.json().path("Resources").values())
                .extracting(user -> user.path("userName").asString())
                .containsExactly(emails.get(2), emails.get(3));
        assertThat(statements).as("the filter's statements").hasSize(1);
        assertThat(rowsOf(statements.getFirst()))
                .as("rows the filter's statement reads")
                .isLessThanOrEqualTo(2);
        for (Scim empty : List.of(countOnly, pastTheLast)) {
            assertThat(empty.status()).as(empty.text()).isEqualTo(200);
            assertThat(empty.json().path("totalResults").asInt())
                    .as(empty.text())
                    .isEqualTo(30);
            assertThat(empty.json().path("itemsPerPage").asInt()).isZero();
            assertThat(empty.json().path("Resources")).isEmpty();
        }
    }

    /**
     * A list of the users without a filter, by {@code GET} or SearchRequest, is one statement: the
     * portfolio's users are gathered once for the page and {@code totalResults}, where a count and then
     * the page gathered them twice. An empty page ({@code count=0}, or {@code startIndex} past the last
     * user) still answers how many there are.
     */
    @Test
    void aListOfTheUsersIsOneStatementWithItsTotal() {
        UUID brand = portfolio.account("Brand");
        for (String name : List.of("a", "b", "c")) {
            portfolio.member(brand, portfolio.user(name), AccountRole.SUPPORT);
        }

        List<QueryInfo> statements = new ArrayList<>();
        Scim byGet = statementsOf(
                sql -> sql.contains("in_view"),
                statements,
                () -> scim(HttpMethod.GET, users() + "?startIndex=2&count=1", null));
        int byGetStatements = statements.size();
        Scim byPost = statementsOf(
                sql -> sql.contains("in_view"),
                statements,
                () -> scim(HttpMethod.POST, users() + "/.search", """
                        {"schemas":["%s"],"startIndex":2,"count":1}""".formatted(SEARCH_SCHEMA)));
        Scim countOnly = scim(HttpMethod.GET, users() + "?count=0", null);
        Scim pastTheLast = scim(HttpMethod.GET, users() + "?startIndex=4", null);

        assertThat(byGetStatements).as("statements of the list by GET").isEqualTo(1);
        assertThat(statements)
                .as("statements of the list by GET and by SearchRequest")
                .hasSize(2);
        for (Scim answer : List.of(byGet, byPost)) {
            assertThat(answer.status()).as(answer.text()).isEqualTo(200);
            assertThat(answer.json().path("totalResults").asInt()).isEqualTo(3);
            assertThat(answer.json().path("startIndex").asInt()).isEqualTo(2);
            assertThat(answer.json().path("itemsPerPage").asInt()).isEqualTo(1);
            assertThat(answer.json().path("Resources").values())
                    .extracting(user -> user.path("userName").asString())
                    .containsExactly(portfolio.email("b"));
        }
        for (Scim empty : List.of(countOnly, pastTheLast)) {
            assertThat(empty.status()).as(empty.text()).isEqualTo(200);
            assertThat(empty.json().path("totalResults").asInt())
                    .as(empty.text())
                    .isEqualTo(3);
            assertThat(empty.json().path("itemsPerPage").asInt()).isZero();
            assertThat(empty.json().path("Resources")).isEmpty();
        }
    }

    /**
     * A {@code startIndex} or {@code count} too large for 64 bits is still an integer, read as any
     * other out of range (RFC 7644 section 3.4.2.4): a count over the maximum is the maximum, a negative
     * count 0, a startIndex below 1 is 1; as query parameters and in a SearchRequest alike. Before, it
     * was 400 "must be an integer"; what is no integer still is.
     */
    @Test
    void aStartIndexOrCountTooLargeForALongIsClampedAsAnyOther() {
        UUID brand = portfolio.account("Brand");
        for (String name : List.of("a", "b", "c")) {
            portfolio.member(brand, portfolio.user(name), AccountRole.SUPPORT);
        }
        String huge = "99999999999999999999";

        Scim everyoneByGet = scim(HttpMethod.GET, users() + "?startIndex=-" + huge + "&count=" + huge, null);
        Scim everyoneByPost = scim(HttpMethod.POST, users() + "/.search", """
                {"schemas":["%s"],"startIndex":-%s,"count":%s}""".formatted(SEARCH_SCHEMA, huge, huge));
        Scim noneByGet = scim(HttpMethod.GET, users() + "?count=-" + huge, null);
        Scim noneByPost = scim(HttpMethod.POST, users() + "/.search", """
                {"schemas":["%s"],"count":-%s}""".formatted(SEARCH_SCHEMA, huge));
        Scim pastTheLastByGet = scim(HttpMethod.GET, users() + "?startIndex=" + huge, null);
        Scim pastTheLastByPost = scim(HttpMethod.POST, users() + "/.search", """
                {"schemas":["%s"],"startIndex":%s}""".formatted(SEARCH_SCHEMA, huge));
        Scim notAnInteger = scim(HttpMethod.GET, users() + "?count=" + huge + "x", null);

        for (Scim everyone : List.of(everyoneByGet, everyoneByPost)) {
            assertThat(everyone.status()).as(everyone.text()).isEqualTo(200);
            assertThat(everyone.json().path("totalResults").asInt()).isEqualTo(3);
            assertThat(everyone.json().path("startIndex").asLong()).isEqualTo(1);
            assertThat(everyone.json().path("itemsPerPage").asInt()).isEqualTo(3);
            assertThat(everyone.json().path("Resources").values())
                    .extracting(user -> user.path("userName").asString())
                    .containsExactly(portfolio.email("a"), portfolio.email("b"), portfolio.email("c"));
        }
        for (Scim empty : List.of(noneByGet, noneByPost, pastTheLastByGet, pastTheLastByPost)) {
            assertThat(empty.status()).as(empty.text()).isEqualTo(200);
            assertThat(empty.json().path("totalResults").asInt())
                    .as(empty.text())
                    .isEqualTo(3);
            assertThat(empty.json().path("itemsPerPage").asInt()).isZero();
            assertThat(empty.json().path("Resources")).isEmpty();
        }
        for (Scim past : List.of(pastTheLastByGet, pastTheLastByPost)) {
            assertThat(past.json().path("startIndex").asLong()).isEqualTo(Long.MAX_VALUE);
        }
        assertScimError(notAnInteger, 400, "invalidValue");
        assertThat(notAnInteger.json().path("detail").asString()).isEqualTo("'count' must be an integer.");
    }

    /** Links the user to the identity provider with this {@code externalId}, or one it deleted. */
    private void linkWithExternalId(UUID userId, String externalId, boolean deleted) {
        jdbc.sql("""
                        INSERT INTO jobs.scim_users (portfolio_id, user_id, external_id, linked_at, deleted_at)
                        VALUES (:portfolioId, :userId, :externalId, now(), CASE WHEN :deleted THEN now() END)
                        """)
                .param("portfolioId", portfolio.id())
                .param("userId", userId)
                .param("externalId", externalId)
                .param("deleted", deleted)
                .update();
    }

    /**
     * What {@code call} answers, adding to {@code statements} those whose SQL matches {@code sql} that it
     * sent through the application's data source (the datasource-proxy wrapper the JDBC spans come
     * from), with their parameters.
     */
    private <T> T statementsOf(Predicate<String> sql, List<QueryInfo> statements, Supplier<T> call) {
        ChainListener chain = ((ProxyDataSource) dataSource).getProxyConfig().getQueryListener();
        QueryExecutionListener listener = new QueryExecutionListener() {
            @Override
            public void beforeQuery(ExecutionInfo execution, List<QueryInfo> queries) {}

            @Override
            public void afterQuery(ExecutionInfo execution, List<QueryInfo> queries) {
                queries.stream().filter(query -> sql.test(query.getQuery())).forEach(statements::add);
            }
        };
        List<QueryExecutionListener> listeners = new ArrayList<>(chain.getListeners());
        listeners.add(listener);
        chain.setListeners(listeners);
        try {
            return call.get();
        } finally {
            List<QueryExecutionListener> without = new ArrayList<>(chain.getListeners());
            without.remove(listener);
            chain.setListeners(without);
        }
    }

    /** The number of rows {@code statement} reads when sent again with the same parameters. */
    private int rowsOf(QueryInfo statement) throws Exception {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement again = connection.prepareStatement(statement.getQuery())) {
            for (ParameterSetOperation parameter : statement.getParametersList().getFirst()) {
                parameter.getMethod().invoke(again, parameter.getArgs());
            }
            int rows = 0;
            try (ResultSet result = again.executeQuery()) {
                while (result.next()) {
                    rows++;
                }
            }
            return rows;
        }
    }

    private boolean pageWaitsForTheUsersTable() {
        return jdbc.sql("""
                        SELECT EXISTS (SELECT 1 FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                                        WHERE l.relation = CAST('directory.users' AS regclass) AND NOT l.granted
                                          AND a.query LIKE '%FROM in_view v JOIN directory.users%')
                        """).query(Boolean.class).single();
    }

    private static List<String> names(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.properties().forEach(property -> names.add(property.getKey()));
        return names;
    }
}

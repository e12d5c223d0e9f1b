package com.portfoliobulk.gateway.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.gateway.support.GatewayCalls.Answer;
import com.portfoliobulk.gateway.support.StubbedServicesIntegrationTest;
import com.portfoliobulk.testsupport.DirectorySeed;
import com.portfoliobulk.testsupport.LockWaits;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpHeaders;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Per-portfolio submission and preview limits: 3 per 4 seconds in this context. */
class SubmissionRateLimitIntegrationTests extends StubbedServicesIntegrationTest {

    /** The submissions and previews of one portfolio a gateway handles at once, by default. */
    private static final int AT_ONCE = 2;

    /** The advisory lock that the held task inserts wait for. */
    private static final long HELD_KEY = 7_310_078L;

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @Autowired
    DataSource dataSource;

    private DirectorySeed.Portfolio portfolio;

    private String offboardAnn;

    @BeforeEach
    void arrange() {
        portfolio = directory.portfolio();
        UUID alpha = portfolio.account("Alpha");
        UUID ann = portfolio.user("ann");
        portfolio.member(alpha, ann, AccountRole.ANALYST);
        offboardAnn = "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[\"" + ann + "\"]}";
    }

    @Test
    void tooManySubmissionsTripTheLimitWith429AndRetryAfterAndItRecovers() {
        for (int i = 0; i < LIMIT; i++) {
            // Counted before the body is read: malformed floods are limited too.
            assertProblem(submit(portfolio.id(), "{}"), 400);
        }

        Answer limited = submit(portfolio.id(), offboardAnn);

        assertProblem(limited, 429);
        assertThat(limited.body().path("type").asString()).isEqualTo("urn:portfolio-bulk:problem:rate-limited");
        int retryAfter = Integer.parseInt(limited.header("Retry-After"));
        assertThat(retryAfter).isBetween(1, 4);
        assertThat(limited.header("RateLimit-Policy")).isEqualTo("\"submissions\";q=" + LIMIT + ";w=4");
        assertThat(limited.header("RateLimit")).isEqualTo("\"submissions\";r=0;t=" + retryAfter);
        assertThat(limited.header("RateLimit-Remaining")).isEqualTo("0");
        assertThat(limited.body().path("requestId").asString()).isEqualTo(limited.header("X-Request-Id"));
        assertThat(jobCount(portfolio.id())).isZero();

        await().atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(250))
                .until(() -> submit(portfolio.id(), offboardAnn).status() == 202);
        assertThat(jobCount(portfolio.id())).isOne();
    }

    @Test
    void previewsHaveTheirOwnLimit() {
        String preview = jobsPath(portfolio.id()) + "/preview";
        for (int i = 0; i < LIMIT; i++) {
            assertThat(api.post(admin(portfolio.id()), preview, null, offboardAnn)
                            .status())
                    .isEqualTo(200);
        }

        Answer limited = api.post(admin(portfolio.id()), preview, null, offboardAnn);

        assertProblem(limited, 429);
        assertThat(limited.header("Retry-After")).isNotBlank();
        assertThat(submit(portfolio.id(), offboardAnn).status())
                .as("submissions are counted apart")
                .isEqualTo(202);
    }

    /**
     * The portfolio's id spelt otherwise (here with a leading space, sent as %20) is no way around its
     * limit: it is not an id the endpoints take, so nothing is submitted, and the problem names it.
     */
    @Test
    void aPortfolioIdSpeltOtherwiseIsRefusedNotLetPastTheLimit() {
        String spaced = "/api/v1/portfolios/ " + portfolio.id() + "/bulk-jobs";
        for (int i = 0; i <= LIMIT; i++) {
            Answer answer =
                    api.post(admin(portfolio.id()), spaced, UUID.randomUUID().toString(), offboardAnn);

            assertProblem(answer, 400);
            assertThat(answer.body().path("detail").asString()).contains("portfolioId");
        }
        assertThat(jobCount(portfolio.id())).isZero();
        Answer shortened =
                api.get(admin(portfolio.id()), "/api/v1/portfolios/" + portfolio.id() + "/bulk-jobs/0-0-0-0-1");
        assertThat(shortened.status()).as("a job id in a shortened spelling").isEqualTo(400);
        assertThat(shortened.body().path("errors").get(0).path("message").asString())
                .as("the spelling an id must have")
                .isEqualTo("'0-0-0-0-1' is not a UUID of 8-4-4-4-12 hexadecimal digits");
    }

    /**
     * A portfolio id in a shortened spelling is the endpoints' 400 naming it, for submissions and
     * previews alike: not refused as another portfolio's (403), and, for a caller of the portfolio it
     * would stand for, no way to use up that portfolio's allowance.
     */
    @Test
    void aShortenedPortfolioIdIsA400NamingItAndTakesNoPermit() {
        UUID zeros = UUID.fromString("00000000" + UUID.randomUUID().toString().substring(8));
        jdbc.sql("INSERT INTO directory.portfolios (id, name) VALUES (:id, :name)")
                .param("id", zeros)
                .param("name", "Portfolio " + zeros)
                .update();
        windowForAnHour(zeros, "submissions");
        windowForAnHour(zeros, "previews");
        String shortened = zeros.toString().substring(7);
        for (String endpoint : new String[] {"/bulk-jobs", "/bulk-jobs/preview"}) {
            assertShortenedIdRefused(
                    api.post(admin(portfolio.id()), "/api/v1/portfolios/0-0-0-0-1" + endpoint, key(), offboardAnn),
                    "0-0-0-0-1");
            for (int i = 0; i <= LIMIT; i++) {
                assertShortenedIdRefused(
                        api.post(admin(zeros), "/api/v1/portfolios/" + shortened + endpoint, key(), offboardAnn),
                        shortened);
            }
        }
        assertThat(jdbc.sql("SELECT sum(requests) FROM jobs.portfolio_rate_limits WHERE portfolio_id = :p")
                        .param("p", zeros)
                        .query(Long.class)
                        .single())
                .as("no permit taken")
                .isZero();
    }

    private static void assertShortenedIdRefused(Answer answer, String spelling) {
        assertProblem(answer, 400);
        assertThat(answer.body().path("errors").get(0).path("field").asString()).isEqualTo("portfolioId");
        assertThat(answer.body().path("errors").get(0).path("message").asString())
                .isEqualTo("'" + spelling + "' is not a UUID of 8-4-4-4-12 hexadecimal digits");
    }

    @Test
    void theLimitIsPerPortfolio() {
        for (int i = 0; i <= LIMIT; i++) {
            submit(portfolio.id(), "{}");
        }
        assertThat(submit(portfolio.id(), offboardAnn).status()).isEqualTo(429);

        DirectorySeed.Portfolio other = directory.portfolio();
        UUID account = other.account("Beta");
        UUID bob = other.user("bob");
        other.member(account, bob, AccountRole.ANALYST);

        assertThat(submit(other.id(), "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[\"" + bob + "\"]}")
                        .status())
                .isEqualTo(202);
    }

    @Test
    void callersWhoMayNotSubmitCannotUseUpThePortfolioAllowance() {
        for (int i = 0; i < 2 * LIMIT; i++) {
            assertProblem(api.post(viewer(portfolio.id()), jobsPath(portfolio.id()), key(), offboardAnn), 403);
            assertProblem(api.post(outsider(), jobsPath(portfolio.id()), key(), offboardAnn), 403);
        }

        assertThat(submit(portfolio.id(), offboardAnn).status()).isEqualTo(202);
    }

    @Test
    void aRetryWithTheKeyOfAnAcceptedSubmissionGetsItsJobWhenTheLimitIsReached() {
        String key = key();
        Answer first = api.post(admin(portfolio.id()), jobsPath(portfolio.id()), key, offboardAnn);
        assertThat(first.status()).as(first.text()).isEqualTo(202);
        for (int i = 1; i < LIMIT; i++) {
            assertProblem(submit(portfolio.id(), "{}"), 400);
        }
        assertProblem(submit(portfolio.id(), "{}"), 429);

        for (int i = 0; i < LIMIT; i++) {
            Answer retry = api.post(admin(portfolio.id()), jobsPath(portfolio.id()), key, offboardAnn);
            assertThat(retry.status()).as(retry.text()).isEqualTo(202);
            assertThat(retry.header("Idempotent-Replayed")).isEqualTo("true");
            assertThat(retry.body().path("jobId").asString())
                    .isEqualTo(first.body().path("jobId").asString());
        }
        // The replays have an allowance of their own, as large as the submissions'.
        Answer oneTooMany = api.post(admin(portfolio.id()), jobsPath(portfolio.id()), key, offboardAnn);
        assertProblem(oneTooMany, 429);
        assertThat(oneTooMany.header("RateLimit-Policy")).isEqualTo("\"replays\";q=" + LIMIT + ";w=4");
        assertProblem(submit(portfolio.id(), offboardAnn), 429);
        assertThat(jobCount(portfolio.id())).isOne();
    }

    /**
     * A submission with the key of an existing job is let in as a replay before its body is read, but
     * one that turns out to have another body is counted as a submission: a flood of them uses up the
     * portfolio's submissions and then is refused before the bodies are read, while the key's genuine
     * retry still gets its job when the submissions are used up.
     */
    @Test
    void anotherBodyWithTheKeyOfAnExistingJobUsesUpTheSubmissionsAndIsLimitedBeforeItsBodyIsRead() {
        String key = key();
        Answer first = api.post(admin(portfolio.id()), jobsPath(portfolio.id()), key, offboardAnn);
        assertThat(first.status()).as(first.text()).isEqualTo(202);
        String another = "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[\"" + UUID.randomUUID() + "\"]}";
        for (int i = 1; i < LIMIT; i++) {
            assertProblem(api.post(admin(portfolio.id()), jobsPath(portfolio.id()), key, another), 422);
        }

        assertThat(submit(portfolio.id(), offboardAnn).status())
                .as("the refused ones used up the submissions")
                .isEqualTo(429);
        Answer retry = api.post(admin(portfolio.id()), jobsPath(portfolio.id()), key, offboardAnn);
        assertThat(retry.status()).as(retry.text()).isEqualTo(202);
        assertThat(retry.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(retry.body().path("jobId").asString())
                .isEqualTo(first.body().path("jobId").asString());
        for (String body : new String[] {another, another, "{\"type\":"}) {
            Answer limited = api.post(admin(portfolio.id()), jobsPath(portfolio.id()), key, body);

            assertProblem(limited, 429);
            assertThat(Integer.parseInt(limited.header("Retry-After"))).isBetween(1, 4);
            assertThat(limited.header("RateLimit-Policy")).isEqualTo("\"replays\";q=" + LIMIT + ";w=4");
        }
        assertThat(jobCount(portfolio.id())).isOne();
    }

    /**
     * A submission let in as a replay whose key expires while its body is read creates a job: it needs a
     * submission left like any new job, and with the portfolio's submissions used up it is refused
     * rather than had for the price of a replay.
     */
    @Test
    void aReplayWhoseKeyExpiresWhileItsBodyIsReadIsRefusedWhenTheSubmissionsAreUsedUp() throws Exception {
        windowForAnHour(portfolio.id(), "submissions");
        String key = key();
        Answer first = api.post(admin(portfolio.id()), jobsPath(portfolio.id()), key, offboardAnn);
        assertThat(first.status()).as(first.text()).isEqualTo(202);
        for (int i = 1; i < LIMIT; i++) {
            assertProblem(submit(portfolio.id(), "{}"), 400);
        }
        assertProblem(submit(portfolio.id(), offboardAnn), 429);

        Answer expired = submitWithKeyExpiringMidway(key, offboardAnn);

        assertProblem(expired, 429);
        assertThat(expired.header("RateLimit-Policy")).isEqualTo("\"submissions\";q=" + LIMIT + ";w=4");
        assertThat(jobCount(portfolio.id())).isOne();
    }

    /** With a submission left, the replay whose key expired creates its job, counted once as a submission. */
    @Test
    void aReplayWhoseKeyExpiresWhileItsBodyIsReadCreatesAJobCountedOnce() throws Exception {
        windowForAnHour(portfolio.id(), "submissions");
        String key = key();
        Answer first = api.post(admin(portfolio.id()), jobsPath(portfolio.id()), key, offboardAnn);
        assertThat(first.status()).as(first.text()).isEqualTo(202);

        Answer expired = submitWithKeyExpiringMidway(key, offboardAnn);

        assertThat(expired.status()).as(expired.text()).isEqualTo(202);
        assertThat(expired.header("Idempotent-Replayed")).isNull();
        assertThat(expired.body().path("jobId").asString())
                .isNotEqualTo(first.body().path("jobId").asString());
        assertThat(jobCount(portfolio.id())).isEqualTo(2);
        for (int i = 2; i < LIMIT; i++) {
            assertProblem(submit(portfolio.id(), "{}"), 400);
        }
        assertProblem(submit(portfolio.id(), "{}"), 429);
    }

    /**
     * A portfolio's submissions whose task inserts take long (here held on a lock) hold at most {@value
     * #AT_ONCE} of the gateway's database connections: its next submission, or preview, waits 2 s for
     * one of them and is answered 503 with Retry-After, while another portfolio's submission is served.
     * Before, each of a portfolio's submissions sent at once held a connection of its own, so that a
     * script sending a minute's allowance at once took the whole pool, and every other portfolio's request
     * on that gateway waited 5 s for a connection and was answered 503.
     */
    @Test
    void aPortfolioHasAtMostItsShareOfSubmissionsAndPreviewsHandledAtOnceAndAnotherPortfolioIsServed()
            throws Exception {
        DirectorySeed.Portfolio other = directory.portfolio();
        UUID account = other.account("Beta");
        UUID bob = other.user("bob");
        other.member(account, bob, AccountRole.ANALYST);
        List<Future<Answer>> held = new ArrayList<>();
        try (ExecutorService requests = Executors.newVirtualThreadPerTaskExecutor();
                Connection holder = holdTaskInserts(portfolio.id())) {
            for (int i = 0; i < AT_ONCE; i++) {
                held.add(requests.submit(() -> submit(portfolio.id(), offboardAnn)));
            }
            await().atMost(PATIENCE).until(() -> heldInserts() == AT_ONCE);

            Future<Answer> oneMore = requests.submit(() -> submit(portfolio.id(), offboardAnn));
            Future<Answer> preview = requests.submit(
                    () -> api.post(admin(portfolio.id()), jobsPath(portfolio.id()) + "/preview", null, offboardAnn));
            await().atMost(PATIENCE).until(() -> (oneMore.isDone() && preview.isDone()) || heldInserts() > AT_ONCE);
            Answer served = submit(other.id(), "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[\"" + bob + "\"]}");

            assertThat(oneMore.isDone())
                    .as("the portfolio's submission over its share is answered, not handled")
                    .isTrue();
            for (Answer busy : List.of(oneMore.get(), preview.get())) {
                assertProblem(busy, 503);
                assertThat(busy.body().path("type").asString()).isEqualTo("urn:portfolio-bulk:problem:unavailable");
                assertThat(busy.header("Retry-After")).isEqualTo("2");
                assertThat(busy.body().path("detail").asString())
                        .contains("bulk.gateway.rate-limit.max-concurrent-per-portfolio");
            }
            assertThat(served.status()).as(served.text()).isEqualTo(202);
            holder.rollback();
            for (Future<Answer> submission : held) {
                Answer answer = submission.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
                assertThat(answer.status()).as(answer.text()).isEqualTo(202);
            }
        } finally {
            jdbc.sql("DROP TRIGGER IF EXISTS test_held_insert ON jobs.bulk_tasks")
                    .update();
            jdbc.sql("DROP FUNCTION IF EXISTS jobs.test_held_insert()").update();
        }
        assertThat(jobCount(portfolio.id())).isEqualTo(AT_ONCE);
        assertThat(metrics())
                .containsPattern("bulk_requests_concurrency_refused_total\\{[^}]*endpoint=\"submissions\"[^}]*} [1-9]")
                .containsPattern("bulk_requests_concurrency_refused_total\\{[^}]*endpoint=\"previews\"[^}]*} [1-9]");
        Answer again = api.post(admin(portfolio.id()), jobsPath(portfolio.id()) + "/preview", null, offboardAnn);
        assertThat(again.status())
                .as("its places are given back: " + again.text())
                .isEqualTo(200);
    }

    /**
     * A submission whose body alone tells it has more tasks than a job may have (450 users by 450
     * accounts: 202,500, over the cap of 200,000) is refused 413 naming the cap while the portfolio's
     * {@value #AT_ONCE} places are held by submissions storing their tasks: the refusal takes no place.
     * Before, it was refused only once it had a place: it waited 2 s for one and was answered 503 with
     * {@code Retry-After: 2}, and a client retrying as told retried a request that can never be accepted.
     */
    @Test
    void aSubmissionOverTheTaskCapIsTooLargeWhileThePortfoliosPlacesAreHeld() throws Exception {
        String users = randomIds(450);
        String accounts = randomIds(450);
        String overTheCap =
                "{\"type\":\"REMOVE_ACCESS\",\"userIds\":[" + users + "],\"accountIds\":[" + accounts + "]}";
        List<Future<Answer>> held = new ArrayList<>();
        try (ExecutorService requests = Executors.newVirtualThreadPerTaskExecutor();
                Connection holder = holdTaskInserts(portfolio.id())) {
            for (int i = 0; i < AT_ONCE; i++) {
                held.add(requests.submit(() -> submit(portfolio.id(), offboardAnn)));
            }
            await().atMost(PATIENCE).until(() -> heldInserts() == AT_ONCE);

            Answer tooLarge = submit(portfolio.id(), overTheCap);

            assertProblem(tooLarge, 413);
            assertThat(tooLarge.header("Retry-After")).isNull();
            assertThat(tooLarge.body().path("detail").asString()).contains("202500 tasks", "at most 200000");
            holder.rollback();
            for (Future<Answer> submission : held) {
                Answer answer = submission.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
                assertThat(answer.status()).as(answer.text()).isEqualTo(202);
            }
        } finally {
            jdbc.sql("DROP TRIGGER IF EXISTS test_held_insert ON jobs.bulk_tasks")
                    .update();
            jdbc.sql("DROP FUNCTION IF EXISTS jobs.test_held_insert()").update();
        }
        assertThat(jobCount(portfolio.id())).isEqualTo(AT_ONCE);
    }

    /** {@code count} ids no portfolio has, as a JSON array's members. */
    private static String randomIds(int count) {
        return IntStream.range(0, count)
                .mapToObj(i -> "\"" + UUID.randomUUID() + "\"")
                .collect(Collectors.joining(","));
    }

    /**
     * A portfolio's cancellations of jobs whose tasks are held (here row-locked, as a worker's batch holds
     * the tasks it applies) hold at most {@value #AT_ONCE} of the gateway's database connections, counted
     * with its submissions and previews: its next cancellation waits 2 s for one of them and is answered
     * 503 with Retry-After, its job left as it was, while another portfolio's cancellation is served.
     * Before, a cancellation took no place: each of a portfolio's cancellations held a connection of its
     * own while it updated every pending task of its job (up to 200,000), so that a script cancelling its
     * large jobs at once could take the whole pool from every other portfolio.
     */
    @Test
    void aPortfolioHasAtMostItsShareOfCancellationsHandledAtOnceAndAnotherPortfolioIsServed() throws Exception {
        DirectorySeed.Portfolio other = directory.portfolio();
        UUID account = other.account("Beta");
        UUID bob = other.user("bob");
        other.member(account, bob, AccountRole.ANALYST);
        UUID othersJob = accepted(other.id(), "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[\"" + bob + "\"]}");
        List<UUID> jobs = new ArrayList<>();
        for (int i = 0; i <= AT_ONCE; i++) {
            jobs.add(accepted(portfolio.id(), offboardAnn));
        }
        List<UUID> heldJobs = jobs.subList(0, AT_ONCE);
        UUID oneMore = jobs.get(AT_ONCE);
        List<Future<Answer>> held = new ArrayList<>();
        try (ExecutorService requests = Executors.newVirtualThreadPerTaskExecutor();
                Connection holder = holdTasks(heldJobs)) {
            for (UUID job : heldJobs) {
                held.add(requests.submit(() -> cancel(portfolio.id(), job)));
            }
            await().atMost(PATIENCE).until(() -> heldCancellations() == AT_ONCE);

            Answer busy = cancel(portfolio.id(), oneMore);
            Answer preview = api.post(admin(portfolio.id()), jobsPath(portfolio.id()) + "/preview", null, offboardAnn);
            Answer served = cancel(other.id(), othersJob);

            assertProblem(busy, 503);
            assertThat(busy.body().path("type").asString()).isEqualTo("urn:portfolio-bulk:problem:unavailable");
            assertThat(busy.header("Retry-After")).isEqualTo("2");
            assertThat(busy.body().path("detail").asString())
                    .contains("bulk.gateway.rate-limit.max-concurrent-per-portfolio");
            JsonNode unchanged = api.get(admin(portfolio.id()), jobPath(portfolio.id(), oneMore))
                    .body();
            assertThat(unchanged.path("status").asString())
                    .as("the refused cancellation changed nothing")
                    .isNotEqualTo("CANCELLED");
            assertThat(unchanged.path("counts").path("pending").asInt()).isOne();
            assertThat(unchanged.path("counts").path("cancelled").asInt()).isZero();
            assertProblem(preview, 503);
            assertThat(served.status()).as(served.text()).isEqualTo(202);
            assertThat(served.body().path("status").asString()).isEqualTo("CANCELLED");
            holder.rollback();
            for (Future<Answer> cancellation : held) {
                Answer answer = cancellation.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
                assertThat(answer.status()).as(answer.text()).isEqualTo(202);
                assertThat(answer.body().path("status").asString()).isEqualTo("CANCELLED");
            }
        }
        assertThat(metrics())
                .containsPattern(
                        "bulk_requests_concurrency_refused_total\\{[^}]*endpoint=\"cancellations\"[^}]*} [1-9]");
        Answer again = cancel(portfolio.id(), oneMore);
        assertThat(again.status())
                .as("its places are given back: " + again.text())
                .isEqualTo(202);
    }

    private Answer cancel(UUID portfolioId, UUID jobId) {
        return api.post(admin(portfolioId), jobPath(portfolioId, jobId) + "/cancel", null, null);
    }

    /**
     * Row-locks the pending tasks of {@code jobs}, as a worker's batch locks the tasks it applies, until
     * the returned connection's transaction is rolled back: their cancellations wait for it.
     */
    private Connection holdTasks(List<UUID> jobs) throws SQLException {
        Connection holder = dataSource.getConnection();
        holder.setAutoCommit(false);
        try (PreparedStatement hold = holder.prepareStatement(
                "SELECT id FROM jobs.bulk_tasks WHERE job_id = ANY(?) AND status = 'PENDING' FOR UPDATE")) {
            hold.setArray(1, holder.createArrayOf("uuid", jobs.toArray()));
            hold.execute();
        } catch (SQLException | RuntimeException ex) {
            holder.close();
            throw ex;
        }
        return holder;
    }

    /** The cancellations waiting for the task rows {@link #holdTasks} locked. */
    private int heldCancellations() {
        return LockWaits.in(dataSource, "UPDATE jobs.bulk_tasks SET status = 'CANCELLED'")
                .size();
    }

    /**
     * Holds every task insert of the portfolio's submissions in the inserting statement, on an advisory
     * lock that the returned connection's transaction holds until it is rolled back.
     */
    private Connection holdTaskInserts(UUID portfolioId) throws SQLException {
        jdbc.sql("""
                        CREATE FUNCTION jobs.test_held_insert() RETURNS trigger LANGUAGE plpgsql AS $$
                        DECLARE
                            timeout text := current_setting('lock_timeout');
                        BEGIN
                            PERFORM set_config('lock_timeout', '0', true);
                            PERFORM pg_advisory_xact_lock(CAST(TG_ARGV[0] AS bigint));
                            PERFORM set_config('lock_timeout', timeout, true);
                            RETURN NEW;
                        END $$
                        """).update();
        jdbc.sql("CREATE TRIGGER test_held_insert BEFORE INSERT ON jobs.bulk_tasks FOR EACH ROW"
                        + " WHEN (NEW.portfolio_id = '" + portfolioId + "')"
                        + " EXECUTE FUNCTION jobs.test_held_insert('" + HELD_KEY + "')")
                .update();
        Connection holder = dataSource.getConnection();
        holder.setAutoCommit(false);
        try (PreparedStatement hold = holder.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
            hold.setLong(1, HELD_KEY);
            hold.execute();
        } catch (SQLException | RuntimeException ex) {
            holder.close();
            throw ex;
        }
        return holder;
    }

    /** The task inserts waiting for the lock {@link #holdTaskInserts} holds. */
    private int heldInserts() {
        return LockWaits.in(dataSource, "INSERT INTO jobs.bulk_tasks").size();
    }

    /**
     * Starts the portfolio's window of {@code kind} now, lasting an hour: the requests a test counts stay
     * in one window however slowly the machine runs them.
     */
    private void windowForAnHour(UUID portfolioId, String kind) {
        jdbc.sql("""
                        INSERT INTO jobs.portfolio_rate_limits (portfolio_id, kind, window_ends_at, requests)
                        VALUES (:p, :kind, now() + interval '1 hour', 0)
                        """).param("p", portfolioId).param("kind", kind).update();
    }

    /**
     * Submits {@code body} with {@code key} over a socket, sending the headers first: once the
     * gateway has let the request in as a replay (counted in the replays' window, before the body is
     * read), the key is made older than any time to live, and only then is the body sent. (HTTP/1.0,
     * so that the answer ends when the gateway closes the connection, in one piece.)
     */
    private Answer submitWithKeyExpiringMidway(String key, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        try (Socket socket = new Socket("localhost", port)) {
            socket.setSoTimeout(30_000);
            String head = "POST " + jobsPath(portfolio.id()) + " HTTP/1.0\r\nHost: localhost\r\n"
                    + "Authorization: Bearer " + admin(portfolio.id()) + "\r\n"
                    + "Idempotency-Key: " + key + "\r\n"
                    + "Content-Type: application/json\r\nAccept: application/json\r\n"
                    + "Content-Length: " + bytes.length + "\r\n\r\n";
            socket.getOutputStream().write(head.getBytes(StandardCharsets.UTF_8));
            socket.getOutputStream().flush();
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> jdbc.sql("""
                                    SELECT count(*) FROM jobs.portfolio_rate_limits
                                     WHERE portfolio_id = :p AND kind = 'replays' AND requests > 0
                                    """)
                                    .param("p", portfolio.id())
                                    .query(Long.class)
                                    .single()
                            > 0);
            int expired =
                    jdbc.sql("""
                            UPDATE jobs.idempotency_keys SET created_at = now() - interval '400 days'
                             WHERE portfolio_id = :p AND key = :key
                            """).param("p", portfolio.id()).param("key", key).update();
            assertThat(expired).isOne();
            socket.getOutputStream().write(bytes);
            socket.getOutputStream().flush();
            return parse(new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    /** An HTTP answer read whole from a connection the gateway closed after it. */
    private static Answer parse(String raw) {
        int end = raw.indexOf("\r\n\r\n");
        assertThat(end).as(raw).isPositive();
        String[] lines = raw.substring(0, end).split("\r\n");
        HttpHeaders headers = new HttpHeaders();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.add(
                    lines[i].substring(0, colon).strip(),
                    lines[i].substring(colon + 1).strip());
        }
        String text = raw.substring(end + 4);
        JsonNode json = text.isEmpty() ? null : JsonMapper.builder().build().readTree(text);
        return new Answer(Integer.parseInt(lines[0].split(" ")[1]), headers, json, text);
    }

    @Test
    void readingAndCancellingAreNotLimited() {
        UUID job = accepted(portfolio.id(), offboardAnn);
        for (int i = 0; i < 2 * LIMIT; i++) {
            assertThat(api.get(admin(portfolio.id()), jobPath(portfolio.id(), job))
                            .status())
                    .isEqualTo(200);
        }

        assertThat(api.post(admin(portfolio.id()), jobPath(portfolio.id(), job) + "/cancel", null, null)
                        .status())
                .isEqualTo(202);
    }

    @Test
    void rejectionsAreCounted() {
        for (int i = 0; i <= LIMIT; i++) {
            submit(portfolio.id(), "{}");
        }

        String metrics = metrics();

        assertThat(metrics).containsPattern("bulk_requests_rate_limited_total\\{[^}]*endpoint=\"submissions\"");
    }

    private static String key() {
        return UUID.randomUUID().toString();
    }
}

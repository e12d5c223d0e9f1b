package com.portfoliobulk.gateway.scim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpMethod;

/**
 * Identity providers retry and run provisioning in parallel: of truly concurrent {@code POST
 * /Users} for the same {@code userName}, exactly one creates the user and the others answer 409
 * {@code uniqueness}.
 */
class ScimConcurrentCreateIntegrationTests extends ScimIntegrationTest {

    private static final int THREADS = 8;

    private static final int ROUNDS = 4;

    @Test
    void ofConcurrentCreationsOfTheSameUserExactlyOneSucceedsAndTheOthersAreConflicts() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(THREADS);
        try {
            for (int round = 0; round < ROUNDS; round++) {
                String userName = portfolio.email("racer" + round);
                String body = """
                        {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"%s"}""".formatted(userName);
                CyclicBarrier start = new CyclicBarrier(THREADS);
                List<Future<Scim>> answers = new ArrayList<>();
                for (int i = 0; i < THREADS; i++) {
                    answers.add(threads.submit(() -> {
                        start.await(10, TimeUnit.SECONDS);
                        return scim(HttpMethod.POST, users(), body);
                    }));
                }
                List<Scim> done = new ArrayList<>();
                for (Future<Scim> answer : answers) {
                    done.add(answer.get(60, TimeUnit.SECONDS));
                }

                assertThat(done)
                        .extracting(Scim::status)
                        .as("round %d", round)
                        .containsOnly(201, 409)
                        .filteredOn(status -> status == 201)
                        .hasSize(1);
                done.stream()
                        .filter(answer -> answer.status() == 409)
                        .forEach(answer -> assertScimError(answer, 409, "uniqueness"));
                assertThat(jdbc.sql("""
                                SELECT count(*) FROM jobs.scim_users s JOIN directory.users u ON u.id = s.user_id
                                 WHERE s.portfolio_id = :p AND u.email = :email
                                """)
                                .param("p", portfolio.id())
                                .param("email", userName)
                                .query(Long.class)
                                .single())
                        .isEqualTo(1);
            }
        } finally {
            threads.shutdownNow();
        }
    }
}

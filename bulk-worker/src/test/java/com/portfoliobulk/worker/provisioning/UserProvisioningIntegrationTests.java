package com.portfoliobulk.worker.provisioning;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.testsupport.TestTokens;
import com.portfoliobulk.worker.WorkerIntegrationSupport;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.web.client.RestClient;

/** The worker's internal user provisioning (SCIM user creation) against the real directory. */
class UserProvisioningIntegrationTests extends WorkerIntegrationSupport {

    @LocalServerPort
    int port;

    private RestClient http;

    @BeforeEach
    void arrange() {
        http = RestClient.builder()
                .baseUrl("http://localhost:" + port)
                .requestInterceptor((request, body, execution) -> {
                    request.getHeaders().set("Authorization", TestTokens.workerAuthorization());
                    return execution.execute(request, body);
                })
                .build();
    }

    @Test
    void aNewAddressBecomesAUserWithoutAccessWhomAdministratorsMayInvite() {
        String email = "New." + UUID.randomUUID() + "@Example.test";

        Answer answer = provision("{\"email\":\"" + email + "\"}");

        assertThat(answer.status()).isEqualTo(201);
        Map<String, Object> user = jdbc.sql("SELECT id, idp_managed FROM directory.users WHERE email = ?")
                .params(email.toLowerCase())
                .query()
                .singleRow();
        assertThat(user).containsEntry("idp_managed", false);
        assertThat(answer.body()).contains("\"userId\":\"" + user.get("id") + "\"", "\"created\":true");
        assertThat(jdbc.sql("SELECT count(*) FROM directory.memberships WHERE user_id = ?")
                        .params(user.get("id"))
                        .query(Long.class)
                        .single())
                .isZero();
    }

    @Test
    void anAddressThatHasAUserAnswersThatUserAndCreatesNoSecond() {
        UUID existing = UUID.randomUUID();
        String email = "existing." + existing + "@example.test";
        jdbc.sql("INSERT INTO directory.users (id, email) VALUES (?, ?)")
                .params(existing, email)
                .update();

        Answer answer = provision("{\"email\":\"" + email.toUpperCase() + "\"}");

        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.body()).contains("\"userId\":\"" + existing + "\"", "\"created\":false");
    }

    @Test
    void aMissingOrMalformedAddressIsABadRequest() {
        assertThat(provision("{}").status()).isEqualTo(400);
        assertThat(provision("{\"email\":\"not-an-address\"}").status()).isEqualTo(400);
        assertThat(provision("{\"email\":\"<script>alert(1)</script>@x.example\"}")
                        .status())
                .isEqualTo(400);
        assertThat(provision("not json").status()).isEqualTo(400);
    }

    private Answer provision(String body) {
        return http.post()
                .uri("/internal/users")
                .contentType(MediaType.APPLICATION_JSON)
                .body(body)
                .exchange((request, response) ->
                        new Answer(response.getStatusCode().value(), response.bodyTo(String.class)));
    }

    record Answer(int status, String body) {}
}

package com.portfoliobulk.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.testsupport.TestTokens;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.server.resource.web.BearerTokenResolver;
import org.springframework.security.oauth2.server.resource.web.DefaultBearerTokenResolver;

/** The regex-free resolver answers exactly what Spring Security's default resolver answers. */
class HeaderBearerTokensTests {

    private final BearerTokenResolver fast = new HeaderBearerTokens();

    private final BearerTokenResolver spring = new DefaultBearerTokenResolver();

    @Test
    void aWellFormedTokenIsReadAsSpringReadsIt() {
        String token = TestTokens.token(UUID.randomUUID(), "a@x.example", UUID.randomUUID(), "OWNER");

        assertThat(outcome(fast, "Bearer " + token)).isEqualTo("token " + token);
        assertThat(outcome(fast, "Bearer " + token)).isEqualTo(outcome(spring, "Bearer " + token));
    }

    @Test
    void everyOtherHeaderGetsSpringsAnswer() {
        List<String> headers = new ArrayList<>(List.of(
                "Bearer abc==",
                "Bearer abc=d",
                "Bearer =",
                "Bearer ",
                "Bearer",
                "bearer abc",
                "BEARER abc",
                "Bearer  abc",
                "Bearer abc ",
                "Bearer a b",
                "Bearer ab\u00e9",
                "Bearer a,b",
                "Basic dXNlcjpwYXNz",
                "Bearer a-b.c_d~e+f/g=",
                ""));
        Random random = new Random(17);
        String alphabet = "aZ09-._~+/= ,\u00e9%";
        for (int i = 0; i < 2000; i++) {
            StringBuilder header = new StringBuilder(random.nextBoolean() ? "Bearer " : "bearer ");
            for (int n = random.nextInt(8); n > 0; n--) {
                header.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            headers.add(header.toString());
        }
        headers.add(null);

        for (String header : headers) {
            assertThat(outcome(fast, header)).as("header [%s]", header).isEqualTo(outcome(spring, header));
        }
    }

    private static String outcome(BearerTokenResolver resolver, String header) {
        MockHttpServletRequest request = new MockHttpServletRequest("GET", "/api/v1/portfolios");
        if (header != null) {
            request.addHeader("Authorization", header);
        }
        try {
            return "token " + resolver.resolve(request);
        } catch (OAuth2AuthenticationException ex) {
            return "refused " + ex.getError().getErrorCode() + " "
                    + ex.getError().getDescription();
        }
    }
}

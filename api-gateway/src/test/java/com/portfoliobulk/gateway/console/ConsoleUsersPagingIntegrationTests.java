package com.portfoliobulk.gateway.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.testsupport.DirectorySeed;
import java.net.URLDecoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The console's users table pages through the API's users list; its Next page link, which lands in
 * the browser's address bar and history, carries the API's cursor and so no e-mail address.
 */
@ConsoleIntegrationTest
class ConsoleUsersPagingIntegrationTests {

    private static final Pattern NEXT_PAGE = Pattern.compile("id=\"next-page\" href=\"([^\"]+)\"");

    @LocalServerPort
    private int port;

    @Autowired
    private JdbcClient jdbc;

    @Test
    void theNextPageLinkContinuesAfterTheLastUserWithoutCarryingAnAddress() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        // 60 users owner-000001... : one page of 50, then 10.
        portfolio.generate(60, 1, 0);
        ConsoleBrowser browser = new ConsoleBrowser(port);
        browser.signIn("viewer-" + UUID.randomUUID() + "@agency.test", "USER_MANAGEMENT_VIEW", portfolio);

        HttpResponse<String> first = browser.get("/console/portfolios/" + portfolio.id() + "/users");
        Matcher next = NEXT_PAGE.matcher(first.body());
        assertThat(next.find()).as(first.body()).isTrue();
        String link = ConsoleBrowser.unescape(next.group(1));
        HttpResponse<String> second = browser.get(link);

        assertThat(first.body()).contains("owner-000050." + portfolio.tag()).doesNotContain("owner-000051.");
        String cursor = URLDecoder.decode(link.substring(link.indexOf("cursor=") + 7), StandardCharsets.UTF_8);
        StringBuilder carried = new StringBuilder();
        for (String part : cursor.split("\\.")) {
            carried.append(new String(Base64.getUrlDecoder().decode(part), StandardCharsets.UTF_8))
                    .append('|');
        }
        assertThat(carried.toString()).doesNotContain("@").doesNotContain("owner-");
        assertThat(second.statusCode()).isEqualTo(200);
        assertThat(second.body())
                .contains("owner-000051." + portfolio.tag())
                .contains("owner-000060." + portfolio.tag())
                .doesNotContain("owner-000050.")
                .doesNotContain("id=\"next-page\"");
    }
}

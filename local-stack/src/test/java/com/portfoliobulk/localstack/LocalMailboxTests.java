package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetup;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/** The local mailbox: e-mails sent to its SMTP port, listed over HTTP as README shows with curl. */
class LocalMailboxTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final HttpClient http = HttpClient.newHttpClient();

    /**
     * {@code curl "http://localhost:8025/messages?to=jane+qa@example.com"} sends the {@code +} as it is:
     * it is part of the address, as it is percent-encoded ({@code %2B}).
     */
    @Test
    void listsTheMessagesToAnAddressWithAPlusWrittenAsItIsOrPercentEncoded() throws Exception {
        try (LocalMailbox mailbox = LocalMailbox.start(0, 0)) {
            ServerSetup smtp = new ServerSetup(mailbox.smtpPort(), "127.0.0.1", ServerSetup.PROTOCOL_SMTP);
            GreenMailUtil.sendTextEmail("jane+qa@example.com", "noreply@example.com", "For Jane's QA", "one", smtp);
            GreenMailUtil.sendTextEmail("jane@example.com", "noreply@example.com", "For Jane", "two", smtp);

            assertThat(subjects(mailbox, "?to=jane+qa@example.com")).containsExactly("For Jane's QA");
            assertThat(subjects(mailbox, "?to=jane%2Bqa@example.com")).containsExactly("For Jane's QA");
            assertThat(subjects(mailbox, "?to=jane@example.com")).containsExactly("For Jane");
            assertThat(subjects(mailbox, "")).containsExactly("For Jane's QA", "For Jane");
        }
    }

    private List<String> subjects(LocalMailbox mailbox, String query) throws Exception {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create(mailbox.url() + "/messages" + query))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(query).isEqualTo(200);
        return JSON.readTree(response.body())
                .valueStream()
                .map(message -> message.get("subject").asString())
                .toList();
    }
}

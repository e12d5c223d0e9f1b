package com.portfoliobulk.localstack;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import jakarta.mail.BodyPart;
import jakarta.mail.MessagingException;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.json.JsonMapper;

/**
 * The local stack's mail sink: an in-process SMTP server (GreenMail) that receives what the worker
 * sends, and an HTTP endpoint that lists it, so that a local run can read its invitation e-mails with
 * curl:
 *
 * <pre>GET /messages[?to=ADDRESS]</pre>
 *
 * answers a JSON array, oldest first, of {@code {to, subject, messageId, text, acceptLink, token}}
 * ({@code acceptLink} and {@code token}: the invitation's accept link and its token, when the message
 * has one). Both listen on the loopback interface only.
 */
public final class LocalMailbox implements AutoCloseable {

    private static final Pattern ACCEPT_LINK = Pattern.compile("https?://\\S*/invitations/([A-Za-z0-9_-]{16,128})\\S*");

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final GreenMail smtp;

    private final HttpServer http;

    private LocalMailbox(GreenMail smtp, HttpServer http) {
        this.smtp = smtp;
        this.http = http;
    }

    /**
     * @param smtpPort the SMTP port, 0 for any free port
     * @param httpPort the HTTP port of the listing, 0 for any free port
     */
    public static LocalMailbox start(int smtpPort, int httpPort) {
        ServerSetup setup = new ServerSetup(smtpPort, "127.0.0.1", ServerSetup.PROTOCOL_SMTP);
        GreenMail smtp = new GreenMail(smtpPort == 0 ? setup.dynamicPort() : setup);
        smtp.start();
        try {
            HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", httpPort), 0);
            LocalMailbox mailbox = new LocalMailbox(smtp, http);
            http.createContext("/messages", mailbox::list);
            http.start();
            return mailbox;
        } catch (IOException | RuntimeException ex) {
            smtp.stop();
            throw new IllegalStateException("The mailbox listing could not listen on port " + httpPort, ex);
        }
    }

    public int smtpPort() {
        return smtp.getSmtp().getPort();
    }

    /** The listing's base URL, e.g. {@code http://localhost:8025}. */
    public String url() {
        return "http://localhost:" + http.getAddress().getPort();
    }

    /** The messages received so far, oldest first, optionally only those to one address. */
    public List<Map<String, Object>> messages(Optional<String> to) {
        List<Map<String, Object>> messages = new ArrayList<>();
        for (MimeMessage message : smtp.getReceivedMessages()) {
            Map<String, Object> entry = describe(message);
            if (to.isEmpty() || to.get().equalsIgnoreCase((String) entry.get("to"))) {
                messages.add(entry);
            }
        }
        return messages;
    }

    private void list(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!"GET".equals(exchange.getRequestMethod())) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            Optional<String> to = Optional.ofNullable(exchange.getRequestURI().getRawQuery()).stream()
                    .flatMap(query -> Arrays.stream(query.split("&")))
                    .filter(parameter -> parameter.startsWith("to="))
                    // Percent-decoded only: a + is the address's own (jane+qa@...), as curl sends it, not a space.
                    .map(parameter ->
                            URLDecoder.decode(parameter.substring(3).replace("+", "%2B"), StandardCharsets.UTF_8))
                    .findFirst();
            byte[] body = JSON.writeValueAsBytes(messages(to));
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private static Map<String, Object> describe(MimeMessage message) {
        try {
            String text = part(message, "text/plain").orElse("");
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("to", message.getAllRecipients()[0].toString());
            entry.put("subject", message.getSubject());
            entry.put("messageId", message.getMessageID());
            entry.put("text", text);
            Matcher link = ACCEPT_LINK.matcher(text);
            if (link.find()) {
                entry.put("acceptLink", link.group());
                entry.put("token", link.group(1));
            }
            return entry;
        } catch (MessagingException | IOException ex) {
            throw new IllegalStateException("A received message cannot be read", ex);
        }
    }

    private static Optional<String> part(Part part, String type) throws MessagingException, IOException {
        if (part.isMimeType(type)) {
            return Optional.of((String) part.getContent());
        }
        if (part.isMimeType("multipart/*")) {
            Multipart multipart = (Multipart) part.getContent();
            for (int i = 0; i < multipart.getCount(); i++) {
                BodyPart body = multipart.getBodyPart(i);
                Optional<String> found = part(body, type);
                if (found.isPresent()) {
                    return found;
                }
            }
        }
        return Optional.empty();
    }

    @Override
    public void close() {
        http.stop(0);
        smtp.stop();
    }
}

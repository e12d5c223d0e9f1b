package com.portfoliobulk.gateway.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.testsupport.DirectorySeed;
import com.sun.management.HotSpotDiagnosticMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.CookieManager;
import java.net.HttpCookie;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A browser of the console for HTTP-level tests: it keeps the session cookie, follows no redirects,
 * signs in with the demo sign-in and posts forms with the session's CSRF token.
 */
final class ConsoleBrowser {

    private static final Pattern CSRF_FIELD = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"");

    /** The gateway's filter that reads a form's body, before the security filters read its fields. */
    private static final String FORM_READER = "com.portfoliobulk.gateway.web.RequestParameters.";

    private final int port;

    private final CookieManager cookies = new CookieManager();

    private final HttpClient http = HttpClient.newBuilder()
            .cookieHandler(cookies)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();

    /** How long a page may take to answer before {@link #get} fails; null for as long as it takes. */
    private final Duration answerWithin;

    /**
     * The path the gateway is served under ({@code server.servlet.context-path}), put before each path
     * {@link #get} and {@link #post} are given, as the console's links carry it; empty at the root.
     */
    private final String contextPath;

    ConsoleBrowser(int port) {
        this(port, null, "");
    }

    /** A browser whose {@link #get} fails ({@code HttpTimeoutException}) when a page takes longer than that. */
    ConsoleBrowser(int port, Duration answerWithin) {
        this(port, answerWithin, "");
    }

    /** A browser of a gateway served under {@code contextPath}, e.g. {@code /bulk}. */
    ConsoleBrowser(int port, String contextPath) {
        this(port, null, contextPath);
    }

    private ConsoleBrowser(int port, Duration answerWithin, String contextPath) {
        this.port = port;
        this.answerWithin = answerWithin;
        this.contextPath = contextPath;
    }

    /** Signs in with the demo sign-in, the token naming {@code permission} on the portfolio. */
    HttpResponse<String> signIn(String email, String permission, DirectorySeed.Portfolio portfolio)
            throws IOException, InterruptedException {
        String page = get("/console/sign-in?portfolio=" + portfolio.id()).body();
        Matcher token = CSRF_FIELD.matcher(page);
        assertThat(token.find()).as(page).isTrue();
        assertThat(page).contains("name=\"portfolio\" value=\"" + portfolio.id() + "\"");
        return post(
                "/console/sign-in",
                Map.of(
                        "email",
                        email,
                        "permission",
                        permission,
                        "portfolio",
                        portfolio.id().toString(),
                        "_csrf",
                        unescape(token.group(1))));
    }

    /** The id of the browser's console session, as stored (the cookie carries it Base64-encoded). */
    String sessionId() {
        return cookies.getCookieStore().getCookies().stream()
                .filter(cookie -> cookie.getName().equals("BULK_CONSOLE"))
                .map(cookie -> new String(Base64.getDecoder().decode(cookie.getValue()), StandardCharsets.UTF_8))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no console session cookie"));
    }

    /** The CSRF token of the session, as the sign-in page's demo form carries it. */
    String csrf() throws IOException, InterruptedException {
        String page = get("/console/sign-in").body();
        Matcher field = CSRF_FIELD.matcher(page);
        assertThat(field.find()).as(page).isTrue();
        return unescape(field.group(1));
    }

    /** The hidden fields of the page's form of this class (the CSRF token among them), as the browser posts them. */
    static Map<String, String> hiddenFields(String page, String formClass) {
        Matcher form = Pattern.compile(
                        "<form[^>]*class=\"" + Pattern.quote(formClass) + "\"[^>]*>(.*?)</form>", Pattern.DOTALL)
                .matcher(page);
        assertThat(form.find()).as(formClass + " form in " + page).isTrue();
        Matcher hidden = Pattern.compile("<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]*)\"\\s*/?>")
                .matcher(form.group(1));
        Map<String, String> fields = new LinkedHashMap<>();
        while (hidden.find()) {
            fields.put(hidden.group(1), unescape(hidden.group(2)));
        }
        return fields;
    }

    /**
     * The fields of the page's form with this id as a browser sends it unchanged: hidden and text
     * fields, ticked checkboxes, each select's selected option (else its first), textareas. A name sent
     * twice (two ticked checkboxes) fails, as the tests' forms are maps.
     */
    static Map<String, String> formFields(String page, String formId) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (Map.Entry<String, String> field : formEntries(page, formId)) {
            assertThat(fields.put(field.getKey(), field.getValue()))
                    .as("%s sent twice", field.getKey())
                    .isNull();
        }
        return fields;
    }

    /**
     * The fields of the page's form with this id as a browser sends them unchanged ({@link
     * #formFields}), in order, a name as often as it is sent (each ticked checkbox of a list).
     */
    static List<Map.Entry<String, String>> formEntries(String page, String formId) {
        Matcher form = Pattern.compile(
                        "<form[^>]*id=\"" + Pattern.quote(formId) + "\"[^>]*>(.*?)</form>", Pattern.DOTALL)
                .matcher(page);
        assertThat(form.find()).as(formId + " form in " + page).isTrue();
        List<Map.Entry<String, String>> fields = new ArrayList<>();
        Matcher control = Pattern.compile(
                        "<input\\b([^>]*)>|<select\\b([^>]*)>(.*?)</select>|<textarea\\b([^>]*)>(.*?)</textarea>",
                        Pattern.DOTALL)
                .matcher(form.group(1));
        while (control.find()) {
            String name;
            String value;
            if (control.group(1) != null) {
                Map<String, String> input = attributes(control.group(1));
                String type = input.getOrDefault("type", "text");
                if ((type.equals("checkbox") || type.equals("radio")) && !input.containsKey("checked")) {
                    continue;
                }
                name = input.get("name");
                value = input.getOrDefault("value", type.equals("checkbox") ? "on" : "");
            } else if (control.group(2) != null) {
                name = attributes(control.group(2)).get("name");
                Matcher option =
                        Pattern.compile("<option\\b([^>]*)>", Pattern.DOTALL).matcher(control.group(3));
                value = null;
                while (option.find()) {
                    Map<String, String> chosen = attributes(option.group(1));
                    if (value == null || chosen.containsKey("selected")) {
                        value = chosen.getOrDefault("value", "");
                    }
                    if (chosen.containsKey("selected")) {
                        break;
                    }
                }
            } else {
                name = attributes(control.group(4)).get("name");
                value = unescape(control.group(5));
            }
            if (name != null && value != null) {
                fields.add(Map.entry(name, value));
            }
        }
        return fields;
    }

    /** The fields URL-encoded, as a browser posts them, each as often as it comes. */
    static String encode(List<Map.Entry<String, String>> fields) {
        return fields.stream()
                .map(field -> URLEncoder.encode(field.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(field.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
    }

    private static Map<String, String> attributes(String tag) {
        Matcher attribute = Pattern.compile("([\\w:-]+)(?:=\"([^\"]*)\")?").matcher(tag);
        Map<String, String> attributes = new LinkedHashMap<>();
        while (attribute.find()) {
            attributes.put(attribute.group(1), attribute.group(2) == null ? "" : unescape(attribute.group(2)));
        }
        return attributes;
    }

    static String unescape(String html) {
        return html.replace("&quot;", "\"")
                .replace("&#39;", "'")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&");
    }

    /**
     * The answer to a GET of the address exactly as typed, as a browser sends one that Java's URI
     * refuses (a malformed escape such as {@code %zz}): its status line, headers and body as sent.
     */
    String getAsTyped(String path) throws IOException {
        try (Socket socket = new Socket("localhost", port)) {
            socket.getOutputStream()
                    .write(("GET " + path + " HTTP/1.1\r\nHost: localhost:" + port
                                    + "\r\nAccept: text/html\r\nConnection: close\r\nCookie: " + cookieHeader()
                                    + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /**
     * Posts the form with the browser's cookie as it stands, all but the body's last byte, and returns
     * once the gateway has loaded the form's session and waits for the rest of the body (it reads a
     * form's body before the CSRF filter reads the form's token from it, having looked up who sends it
     * by its session): a request of that session under way until {@link HeldForm#finish()} sends the
     * last byte.
     */
    HeldForm holdForm(String path, Map<String, String> form) throws IOException {
        byte[] body = encode(form).getBytes(StandardCharsets.US_ASCII);
        Socket socket = new Socket("localhost", port);
        socket.setSoTimeout(10_000);
        socket.getOutputStream()
                .write(("POST " + path + " HTTP/1.1\r\nHost: localhost:" + port
                                + "\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: "
                                + body.length + "\r\nConnection: close\r\nCookie: " + cookieHeader() + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().write(body, 0, body.length - 1);
        socket.getOutputStream().flush();
        await().atMost(Duration.ofSeconds(10)).until(ConsoleBrowser::aFormWaitsForItsBody);
        return new HeldForm(socket, body[body.length - 1]);
    }

    /**
     * A request thread of the gateway (in this JVM) is reading a form's body, before the security
     * filters. The gateway handles requests on virtual threads, which only a thread dump of the JVM lists.
     */
    private static boolean aFormWaitsForItsBody() throws IOException {
        return formsWaitingForTheirBody() > 0;
    }

    /**
     * How many request threads of the gateway (in this JVM) are reading a form's body, before the
     * security filters: the forms that hold their bytes of the request bodies' budget while they arrive.
     */
    static long formsWaitingForTheirBody() throws IOException {
        Path dump = Files.createTempDirectory("threads").resolve("dump.txt");
        try {
            ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                    .dumpThreads(dump.toString(), HotSpotDiagnosticMXBean.ThreadDumpFormat.TEXT_PLAIN);
            return Arrays.stream(Files.readString(dump).split("\\R\\R"))
                    .filter(thread -> thread.contains(FORM_READER) && thread.contains(".readNBytes"))
                    .count();
        } finally {
            Files.deleteIfExists(dump);
            Files.deleteIfExists(dump.getParent());
        }
    }

    /** A form {@link #holdForm} holds: its body's last byte is still to be sent. */
    record HeldForm(Socket socket, byte last) {

        /** Sends the last byte and answers the gateway's answer as sent (status line, headers, body). */
        String finish() throws IOException {
            try (socket) {
                socket.getOutputStream().write(last);
                socket.getOutputStream().flush();
                return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            }
        }
    }

    /** The session's cookies as the browser sends them in a {@code Cookie} header. */
    String cookieHeader() {
        return cookies.getCookieStore().getCookies().stream()
                .map(HttpCookie::toString)
                .collect(Collectors.joining("; "));
    }

    HttpResponse<String> get(String path, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                        URI.create("http://localhost:" + port + contextPath + path))
                .GET();
        if (headers.length > 0) {
            request.headers(headers);
        }
        if (answerWithin != null) {
            request.timeout(answerWithin);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Posts the form, with these headers (name, value, ...) besides. */
    HttpResponse<String> post(String path, Map<String, String> form, String... headers)
            throws IOException, InterruptedException {
        return postEncoded(path, encode(form), headers);
    }

    /** The form's fields URL-encoded, as a browser posts them. */
    static String encode(Map<String, String> form) {
        return new LinkedHashMap<>(form)
                .entrySet().stream()
                        .map(field -> URLEncoder.encode(field.getKey(), StandardCharsets.UTF_8) + "="
                                + URLEncoder.encode(field.getValue(), StandardCharsets.UTF_8))
                        .collect(Collectors.joining("&"));
    }

    /**
     * Posts the form as another site's page makes the browser post it (a form submitted by its
     * script): without the console's cookie, which SameSite=Lax keeps off a cross-site POST, while the
     * browser stores a cookie the answer sets, as it does for the answer of any top-level navigation.
     */
    HttpResponse<String> postFromAnotherSite(String path, Map<String, String> form)
            throws IOException, InterruptedException {
        HttpResponse<String> answer = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NEVER)
                .build()
                .send(
                        HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                                .header("Content-Type", "application/x-www-form-urlencoded")
                                .header("Origin", "https://elsewhere.example")
                                .POST(HttpRequest.BodyPublishers.ofString(encode(form)))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        cookies.put(answer.uri(), answer.headers().map());
        return answer;
    }

    /** Posts a form body already encoded, e.g. with a field repeated (several ticked checkboxes). */
    HttpResponse<String> postEncoded(String path, String body, String... headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                        URI.create("http://localhost:" + port + contextPath + path))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}

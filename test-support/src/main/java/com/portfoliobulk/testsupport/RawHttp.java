package com.portfoliobulk.testsupport;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One HTTP/1.1 exchange over a raw socket, for the requests no well-behaved HTTP client would send (an
 * encoded NUL, slash or backslash in a path segment, a control character in a header value), so that
 * tests see what the servlet container itself answers; and for {@code TRACE}, whose answer must be seen
 * as the server wrote it. The request should ask for
 * {@code Connection: close}: the answer is read to the end of the stream.
 */
public final class RawHttp {

    private RawHttp() {}

    /** Sends {@code request} (ISO-8859-1, as written) to {@code localhost:port} and reads the answer. */
    public static Answer send(int port, String request) throws IOException {
        try (Socket socket = sent(port, request)) {
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            in.transferTo(answer);
            return Answer.of(answer.toByteArray());
        }
    }

    /**
     * Sends {@code request}, which need not be finished (a body whose end never comes), and reads only
     * the status line of the answer: for a server that must answer before it has read the whole request.
     * No answer within 10 s fails (a guard against a hang, not a timing assert).
     */
    public static String statusLineBeforeTheEnd(int port, String request) throws IOException {
        try (Socket socket = sent(port, request)) {
            return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1))
                    .readLine();
        }
    }

    /** A socket to {@code localhost:port} that has sent {@code request}, its reads bounded to 10 s. */
    private static Socket sent(int port, String request) throws IOException {
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress("localhost", port), 5000);
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return socket;
        } catch (IOException ex) {
            socket.close();
            throw ex;
        }
    }

    /**
     * An answer as received.
     *
     * @param raw the whole answer, status line to end
     * @param head the status line and the headers
     * @param body the body, de-chunked when it came chunked
     */
    public record Answer(String raw, String head, String body) {

        /** The answer of these bytes, each part read as UTF-8 (chunk sizes count bytes, so read first). */
        static Answer of(byte[] bytes) {
            // One char per byte until the chunks are joined.
            String raw = new String(bytes, StandardCharsets.ISO_8859_1);
            int end = raw.indexOf("\r\n\r\n");
            String head = end < 0 ? raw : raw.substring(0, end);
            String body = end < 0 ? "" : raw.substring(end + 4);
            return new Answer(
                    utf8(raw),
                    utf8(head),
                    utf8(header(head, "transfer-encoding").equals("chunked") ? dechunk(body) : body));
        }

        private static String utf8(String bytes) {
            return new String(bytes.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
        }

        /** The status code of the status line. */
        public int status() {
            return Integer.parseInt(head.split(" ", 3)[1]);
        }

        /** The value of the header (case-insensitive name), or {@code ""} when it is absent. */
        public String header(String name) {
            return header(head, name);
        }

        private static String header(String head, String name) {
            String prefix = name.toLowerCase(Locale.ROOT) + ":";
            return head.lines()
                    .filter(line -> line.toLowerCase(Locale.ROOT).startsWith(prefix))
                    .map(line -> line.substring(prefix.length()).strip())
                    .findFirst()
                    .orElse("");
        }

        private static String dechunk(String body) {
            StringBuilder content = new StringBuilder();
            String rest = body;
            while (true) {
                int lineEnd = rest.indexOf("\r\n");
                int size = Integer.parseInt(rest.substring(0, lineEnd).strip(), 16);
                if (size == 0) {
                    return content.toString();
                }
                content.append(rest, lineEnd + 2, lineEnd + 2 + size);
                rest = rest.substring(lineEnd + 2 + size + 2);
            }
        }
    }
}

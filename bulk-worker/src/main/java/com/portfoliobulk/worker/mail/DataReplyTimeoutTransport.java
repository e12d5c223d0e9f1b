package com.portfoliobulk.worker.mail;

import jakarta.mail.Address;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.NoSuchProviderException;
import jakarta.mail.Provider;
import jakarta.mail.Session;
import jakarta.mail.URLName;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import javax.net.SocketFactory;
import org.eclipse.angus.mail.smtp.SMTPTransport;
import org.springframework.mail.javamail.JavaMailSenderImpl;

/**
 * The SMTP transport of the worker's mail sender: Angus Mail's, except that it waits for the server's
 * reply to the end of a message's data ({@code .}) for up to {@code bulk.worker.mail.data-reply-timeout}
 * (10 min) instead of the read timeout that bounds every other reply ({@code mail.smtp.timeout}, 10 s).
 *
 * <p>That reply is the server's acceptance of the message, and a server may be slow to give it: it
 * scans the message's content, or it is loaded. A client that stops waiting does not know whether
 * the message was taken; the worker then tries again, and a server that had taken it delivers it
 * again, once for every attempt. RFC 5321 (4.5.3.2.6) asks clients to wait 10 minutes for this reply
 * for that reason.
 *
 * <p>Angus Mail has one read timeout for every reply: the socket's ({@code SO_TIMEOUT}). The sender's
 * session makes its SMTP sockets with {@link Sockets} ({@code mail.smtp.socketFactory}, {@code
 * mail.smtps.socketFactory}), which hands this transport the plain socket of its connection, and the
 * transport raises that socket's timeout while it waits for the reply to the end of data, and puts it
 * back after. Over STARTTLS and with implicit TLS the TLS layer reads through that plain socket, so its
 * timeout holds there too. A socket another factory made (an SSL bundle's) keeps the ordinary timeout
 * for every reply. Messages go with {@code DATA}: {@code BDAT} ({@code mail.smtp.chunksize}) is not
 * used.
 *
 * <p>Angus Mail reads a transport's settings under the transport's name: {@code mail.smtp.*} for
 * {@code smtp}, {@code mail.smtps.*} for {@code smtps} (implicit TLS, {@code spring.mail.protocol=smtps}).
 * The sender's session has this transport for both, and the timeouts of {@code mail.smtp.*} hold for
 * {@code smtps} too where {@code mail.smtps.*} sets none of its own: without them, a server that takes
 * the connection and then says nothing (not even its part of the TLS handshake) would hold the sender
 * for ever.
 *
 * <p>A {@link CheckedMessage} is checked once more right before it is sent, with the connection made.
 */
public class DataReplyTimeoutTransport extends SMTPTransport {

    /** The protocols Spring Boot's sender may use ({@code spring.mail.protocol}), by transport class. */
    private static final Map<String, Class<? extends DataReplyTimeoutTransport>> PROTOCOLS =
            Map.of("smtp", DataReplyTimeoutTransport.class, "smtps", ImplicitTls.class);

    /** The timeouts of {@code mail.smtp.*} that hold for {@code smtps} too, unless set for it. */
    private static final List<String> TIMEOUTS = List.of("connectiontimeout", "timeout", "writetimeout");

    /** The factory of the session's sockets; null when the session has none of its own. */
    private final Sockets sockets;

    /** The plain socket of the current connection, when {@link #sockets} made it. */
    private Socket socket;

    /** Made by the session as its {@code smtp} transport, with the constructor Angus Mail's has. */
    public DataReplyTimeoutTransport(Session session, URLName urlName) {
        this(session, urlName, "smtp", false);
    }

    private DataReplyTimeoutTransport(Session session, URLName urlName, String protocol, boolean implicitTls) {
        super(session, urlName, protocol, implicitTls);
        this.sockets = session.getProperties().get(socketFactory(protocol)) instanceof Sockets made ? made : null;
    }

    /**
     * Makes {@code sender} send with this transport, over {@code smtp} and {@code smtps} alike, waiting up
     * to {@code dataReplyTimeout} for the reply to the end of a message's data; its other settings
     * ({@code spring.mail.*}) stay as they are, and {@code smtps} takes the timeouts of {@code
     * mail.smtp.*} it does not set itself.
     */
    static void install(JavaMailSenderImpl sender, Duration dataReplyTimeout) {
        Properties properties = sender.getJavaMailProperties();
        for (String timeout : TIMEOUTS) {
            String value = properties.getProperty("mail.smtp." + timeout);
            if (value != null) {
                properties.putIfAbsent("mail.smtps." + timeout, value);
            }
        }
        Sockets sockets = new Sockets(dataReplyTimeout);
        for (String protocol : PROTOCOLS.keySet()) {
            properties.put(socketFactory(protocol), sockets);
            // A connection that failed with the factory's socket would fail without it too: no second try.
            properties.setProperty(socketFactory(protocol) + ".fallback", "false");
        }
        Session session = Session.getInstance(properties);
        PROTOCOLS.forEach((protocol, transport) -> {
            try {
                // The session's transport for the protocol (mail.<protocol>.class can only choose among
                // registered ones).
                session.setProvider(new Provider(
                        Provider.Type.TRANSPORT, protocol, transport.getName(), "Portfolio Bulk Access", null));
            } catch (NoSuchProviderException ex) {
                throw new IllegalStateException(ex);
            }
        });
        sender.setSession(session);
    }

    /**
     * The session property that holds the {@link Sockets} of {@code protocol}: Angus Mail makes the
     * protocol's sockets with it.
     */
    static String socketFactory(String protocol) {
        return "mail." + protocol + ".socketFactory";
    }

    @Override
    protected synchronized boolean protocolConnect(String host, int port, String user, String password)
            throws MessagingException {
        if (sockets == null) {
            return super.protocolConnect(host, port, user, password);
        }
        sockets.watch();
        try {
            return super.protocolConnect(host, port, user, password);
        } finally {
            socket = sockets.made();
        }
    }

    /**
     * Sends the message, once the last check of a {@link CheckedMessage} allows it: with the connection
     * made, right before the message's envelope, so nothing of a withdrawn message reaches the server.
     */
    @Override
    public synchronized void sendMessage(Message message, Address[] addresses) throws MessagingException {
        if (message instanceof CheckedMessage checked) {
            checked.lastCheck();
        }
        super.sendMessage(message, addresses);
    }

    /** Sends the end of the message's data, and waits up to the data-reply timeout for the reply. */
    @Override
    protected void finishData() throws IOException, MessagingException {
        if (socket == null || socket.isClosed()) {
            super.finishData();
            return;
        }
        int readTimeout = socket.getSoTimeout();
        socket.setSoTimeout(sockets.dataReplyMillis());
        try {
            super.finishData();
        } finally {
            if (!socket.isClosed()) {
                socket.setSoTimeout(readTimeout);
            }
        }
    }

    /**
     * The transport of {@code smtps}: the connection is in TLS from its start (implicit TLS, usually port
     * 465), over the plain socket {@link Sockets} makes.
     */
    public static final class ImplicitTls extends DataReplyTimeoutTransport {

        /** Made by the session as its {@code smtps} transport, with the constructor Angus Mail's has. */
        public ImplicitTls(Session session, URLName urlName) {
            super(session, urlName, "smtps", true);
        }
    }

    /**
     * Makes the plain sockets of the session's SMTP connections, as Angus Mail does without a factory
     * (it connects them and sets their timeouts itself), and hands the transport that connects on the
     * current thread the one it made. It carries the data-reply timeout to the transport.
     */
    static final class Sockets extends SocketFactory {

        private final int dataReplyMillis;

        /** Where the socket made on this thread goes while a transport connects on it. */
        private final ThreadLocal<Made> connecting = new ThreadLocal<>();

        Sockets(Duration dataReplyTimeout) {
            this.dataReplyMillis = (int) Math.min(dataReplyTimeout.toMillis(), Integer.MAX_VALUE);
        }

        int dataReplyMillis() {
            return dataReplyMillis;
        }

        /** The current thread is about to connect: keep the socket made on it. */
        void watch() {
            connecting.set(new Made());
        }

        /** The socket made on the current thread since {@link #watch()}, if any; stops watching. */
        Socket made() {
            Made made = connecting.get();
            connecting.remove();
            return made == null ? null : made.socket;
        }

        /** The one Angus Mail asks for: unconnected. */
        @Override
        public Socket createSocket() {
            return kept(new Socket());
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return kept(new Socket(host, port));
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return kept(new Socket(host, port, localHost, localPort));
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return kept(new Socket(host, port));
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
                throws IOException {
            return kept(new Socket(address, port, localAddress, localPort));
        }

        private Socket kept(Socket socket) {
            Made made = connecting.get();
            if (made != null) {
                made.socket = socket;
            }
            return socket;
        }

        private static final class Made {
            private Socket socket;
        }
    }
}

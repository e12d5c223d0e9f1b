package com.portfoliobulk.gateway.webhooks;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Predicate;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * Keeps webhook deliveries off the internal network (server-side request forgery): a receiver URL must
 * be HTTPS and every address its host resolves to must be public, refusing loopback, private
 * (RFC 1918, unique-local IPv6), carrier-grade NAT, link-local (which holds the cloud metadata
 * service, 169.254.169.254), multicast, unspecified and reserved addresses. An IPv6 address that
 * carries an IPv4 address (IPv4-mapped, IPv4-compatible, NAT64, 6to4) is judged by that address;
 * Teredo and discard-only addresses are refused. The URL is checked when a
 * subscription is created and again right before every delivery ({@link #check(URI)}), for a clear
 * reason in the delivery log; and the delivery itself connects only to an address checked as it
 * connects ({@link #connectable(String)}, through {@link ReceiverTunnel}), so a DNS answer that changes
 * between the check and the connection (DNS rebinding) cannot reach an internal address.
 * {@code bulk.gateway.webhooks.allow-local-urls} lifts both rules for local development and tests.
 */
@Component
class ReceiverAddresses {

    /** Why a host name is refused, whether it does not resolve or resolves to an address not allowed. */
    static final String NO_PUBLIC_ADDRESS = "names a host without a public address: it does not resolve, or resolves"
            + " to a loopback, private, link-local or reserved address; use a host with public addresses only";

    static final int MAX_URL_LENGTH = 2000;

    private final boolean allowLocal;

    /** The addresses deliveries may reach: public ones, or any with allow-local-urls. */
    private final Predicate<InetAddress> reachable;

    private final Resolver system;

    @Autowired
    ReceiverAddresses(WebhookProperties properties) {
        this(properties.allowLocalUrls(), InetAddress::getAllByName);
    }

    ReceiverAddresses(boolean allowLocal, Resolver system) {
        this(allowLocal, allowLocal ? address -> true : ReceiverAddresses::isPublic, system);
    }

    /** With {@code reachable} in place of the public addresses: for tests, whose receivers are local. */
    ReceiverAddresses(boolean allowLocal, Predicate<InetAddress> reachable, Resolver system) {
        this.allowLocal = allowLocal;
        this.reachable = reachable;
        this.system = system;
    }

    /**
     * The receiver {@code url} names, as one string for every spelling of it: the scheme and host in
     * lower case (RFC 3986 compares them without case), no port when it is the scheme's default, and
     * {@code /} for an empty path. Path and query stay as written: {@code /hook} and {@code /hook/} may
     * be different receivers. A URL that does not parse stands for itself.
     */
    static String receiver(String url) {
        try {
            URI uri = new URI(url.strip());
            if (uri.getScheme() == null || uri.getHost() == null) {
                return url.strip();
            }
            String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
            int defaultPort = switch (scheme) {
                case "https" -> 443;
                case "http" -> 80;
                default -> -1;
            };
            String port = uri.getPort() == -1 || uri.getPort() == defaultPort ? "" : ":" + uri.getPort();
            String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
            return scheme + "://" + uri.getHost().toLowerCase(Locale.ROOT) + port + path
                    + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        } catch (URISyntaxException ex) {
            return url.strip();
        }
    }

    /**
     * Why the URL {@code given} cannot receive webhooks; empty when it can. It is read without its
     * surrounding spaces (a line break pasted after it too), as a subscription stores it.
     */
    Optional<String> problem(String given) {
        Optional<String> written = writtenProblem(given);
        if (written.isPresent()) {
            return written;
        }
        try {
            // It parses: writtenProblem found nothing wrong with it.
            resolve(URI.create(given.strip()).getHost());
            return Optional.empty();
        } catch (UnknownHostException ex) {
            return Optional.of(ex.getMessage());
        }
    }

    /**
     * What is wrong with the URL {@code given} as written (its scheme, host, port, credentials or
     * fragment), without asking what its host resolves to; empty when nothing is.
     */
    Optional<String> writtenProblem(String given) {
        if (given == null || given.isBlank()) {
            return Optional.of("is required: an https:// URL");
        }
        String url = given.strip();
        if (url.length() > MAX_URL_LENGTH) {
            return Optional.of("must be at most " + MAX_URL_LENGTH + " characters");
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException ex) {
            return Optional.of("is not a valid URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !(allowLocal && scheme.equals("http"))) {
            return Optional.of("must be an https:// URL");
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            // java.net.URI finds no host in an authority it cannot read as one: say what it can read.
            return Optional.of(
                    uri.getRawAuthority() == null || uri.getRawAuthority().isEmpty()
                            ? "must name a host"
                            : "must name a host of letters, digits, hyphens and dots (an international name in"
                                    + " its xn-- form, no underscore), with a port from 1 to 65535 or none");
        }
        if (uri.getPort() == 0 || uri.getPort() > 65_535) {
            return Optional.of("must have a port from 1 to 65535, or none");
        }
        if (uri.getRawUserInfo() != null) {
            return Optional.of("must not contain credentials; authenticate the messages by their signature");
        }
        if (uri.getRawFragment() != null) {
            return Optional.of("must not contain a fragment");
        }
        return Optional.empty();
    }

    /**
     * Checks, right before a delivery, that the URL's scheme is allowed now (a subscription saved as
     * {@code http://} while local URLs were allowed is refused once they are not) and that its host
     * resolves to allowed addresses only.
     *
     * @throws WebhookSender.RefusedAddressException when the scheme is not allowed, or the URL gives an
     *     address deliveries may not reach
     * @throws UnknownHostException when the host cannot be resolved, or is a name that resolves to an
     *     address deliveries may not reach: one exception, in the same words, for both
     */
    void check(URI url) throws UnknownHostException {
        if (!allowLocal && !"https".equalsIgnoreCase(url.getScheme())) {
            throw new WebhookSender.RefusedAddressException("must be an https:// URL");
        }
        if (url.getHost() == null) {
            throw new UnknownHostException("names no host");
        }
        resolve(url.getHost());
    }

    /**
     * The addresses of {@code host} a delivery may connect to, resolved now: all of them, or an
     * exception when one is not allowed.
     *
     * @throws WebhookSender.RefusedAddressException when it is an address deliveries may not reach
     * @throws UnknownHostException when it cannot be resolved, or is a name that resolves to an address
     *     deliveries may not reach
     */
    InetAddress[] connectable(String host) throws UnknownHostException {
        return resolve(host);
    }

    private InetAddress[] resolve(String host) throws UnknownHostException {
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        InetAddress[] addresses;
        boolean literal = isLiteral(bare);
        try {
            addresses = system.resolve(bare);
        } catch (UnknownHostException ex) {
            throw new UnknownHostException(
                    literal ? "names a host that cannot be resolved: " + bare : NO_PUBLIC_ADDRESS);
        }
        for (InetAddress address : addresses) {
            if (!reachable.test(address)) {
                if (literal) {
                    throw new WebhookSender.RefusedAddressException("resolves to " + address.getHostAddress()
                            + ", a loopback, private, link-local or reserved address; use a public address");
                }
                // A name is answered as one that does not resolve, in the same words and with the same
                // retries, so that neither an answer nor the delivery log tells which names the gateway's
                // network has, nor their addresses.
                throw new UnknownHostException(NO_PUBLIC_ADDRESS);
            }
        }
        return addresses;
    }

    /** Whether the host is an address as written (IPv4 dotted or IPv6), not a name to resolve. */
    private static boolean isLiteral(String host) {
        return host.indexOf(':') >= 0 || host.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'));
    }

    /** Resolves a host name to its addresses (the system resolver, or a stand-in in tests). */
    @FunctionalInterface
    interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    /** Whether {@code address} is a public unicast address. */
    static boolean isPublic(InetAddress address) {
        if (address.isAnyLocalAddress()
                || address.isLoopbackAddress()
                || address.isLinkLocalAddress()
                || address.isSiteLocalAddress()
                || address.isMulticastAddress()) {
            return false;
        }
        byte[] b = address.getAddress();
        if (address instanceof Inet4Address) {
            int first = b[0] & 0xff;
            int second = b[1] & 0xff;
            return first != 0 // "this network"
                    && !(first == 100 && second >= 64 && second < 128) // carrier-grade NAT
                    && !(first == 192 && second == 0 && (b[2] & 0xff) == 0) // IETF protocol assignments
                    && !(first == 198 && (second == 18 || second == 19)) // benchmarking
                    && first < 240; // reserved and broadcast
        }
        if (address instanceof Inet6Address) {
            int first = b[0] & 0xff;
            if ((first & 0xfe) == 0xfc) { // unique local fc00::/7 (holds fd00:ec2::254)
                return false;
            }
            if (first == 0 && isZero(b, 1, 10) && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) {
                // IPv4-mapped ::ffff:0:0/96: judge the IPv4 address.
                return isPublicIpv4(b, 12);
            }
            if (first == 0 && isZero(b, 1, 12)) {
                // IPv4-compatible ::/96 (:: and ::1 are refused above): judge the IPv4 address.
                return isPublicIpv4(b, 12);
            }
            if (first == 0 && (b[1] & 0xff) == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b) {
                // NAT64: the well-known prefix 64:ff9b::/96 reaches the IPv4 address it holds; the local-use
                // 64:ff9b:1::/48 reaches whatever the network maps it to.
                return isZero(b, 4, 12) && isPublicIpv4(b, 12);
            }
            if (first == 0) {
                // The rest of ::/8 is reserved: among it the IPv4-translated ::ffff:0:0:0/96, which a
                // network with a stateless translator (SIIT) takes to the IPv4 address it holds.
                return false;
            }
            if (first == 0x20 && (b[1] & 0xff) == 0x02) {
                // 6to4 2002::/16: judge the IPv4 address of the relay it names.
                return isPublicIpv4(b, 2);
            }
            if (first == 0x20 && (b[1] & 0xff) == 0x01 && b[2] == 0 && b[3] == 0) {
                // Teredo 2001::/32: tunnels to an IPv4 address it obfuscates.
                return false;
            }
            if (first == 0x01 && b[1] == 0 && isZero(b, 2, 8)) {
                // Discard-only 100::/64.
                return false;
            }
            return !(first == 0x20 && (b[1] & 0xff) == 0x01 && (b[2] & 0xff) == 0x0d && (b[3] & 0xff) == 0xb8);
        }
        return false;
    }

    /** Whether the IPv4 address in {@code bytes} from {@code from} on is public. */
    private static boolean isPublicIpv4(byte[] bytes, int from) {
        try {
            return isPublic(InetAddress.getByAddress(
                    new byte[] {bytes[from], bytes[from + 1], bytes[from + 2], bytes[from + 3]}));
        } catch (UnknownHostException ex) {
            return false;
        }
    }

    private static boolean isZero(byte[] bytes, int from, int to) {
        for (int i = from; i < to; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return true;
    }
}

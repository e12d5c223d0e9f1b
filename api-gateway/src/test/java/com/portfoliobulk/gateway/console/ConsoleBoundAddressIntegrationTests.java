package com.portfoliobulk.gateway.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.testsupport.DirectorySeed;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.http.HttpResponse;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A gateway bound to one address that is not the loopback one the console would otherwise call
 * ({@code server.address}, as the local stack's {@code BULK_LOCAL_GATEWAY_ADDRESS} sets it): the
 * console calls the API at that address, so its pages load instead of saying the service did not
 * answer.
 */
@ConsoleIntegrationTest
class ConsoleBoundAddressIntegrationTests {

    /**
     * An IPv4 address of this machine outside loopback, or else 127.0.0.2: Linux answers all of
     * 127.0.0.0/8 on the loopback interface, and localhost is 127.0.0.1.
     */
    private static final String ADDRESS = boundAddress();

    @LocalServerPort
    private int port;

    @Autowired
    private JdbcClient jdbc;

    @DynamicPropertySource
    static void bindToOneAddress(DynamicPropertyRegistry properties) {
        properties.add("server.address", () -> ADDRESS);
    }

    @Test
    void theConsolesPagesLoadOnAGatewayBoundToOneAddress() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        UUID ann = portfolio.user("ann");
        portfolio.member(portfolio.account("Brand Oslo"), ann, AccountRole.ANALYST);
        ConsoleBrowser browser = new ConsoleBrowser(ADDRESS, port);
        browser.signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);

        HttpResponse<String> users = browser.get("/console/portfolios/" + portfolio.id() + "/users");

        assertThat(users.statusCode())
                .as("%s at %s: %s", ADDRESS, port, users.body())
                .isEqualTo(200);
        assertThat(users.body()).contains("data-email=\"" + new DirectorySeed(jdbc).email(ann) + "\"");
    }

    private static String boundAddress() {
        try {
            return NetworkInterface.networkInterfaces()
                    .filter(ConsoleBoundAddressIntegrationTests::up)
                    .flatMap(NetworkInterface::inetAddresses)
                    .filter(address -> address instanceof Inet4Address
                            && !address.isLoopbackAddress()
                            && !address.isLinkLocalAddress())
                    .map(InetAddress::getHostAddress)
                    .findFirst()
                    .orElse("127.0.0.2");
        } catch (SocketException ex) {
            return "127.0.0.2";
        }
    }

    private static boolean up(NetworkInterface network) {
        try {
            return network.isUp() && !network.isLoopback();
        } catch (SocketException ex) {
            return false;
        }
    }
}

package com.portfoliobulk.gateway.web;

import com.portfoliobulk.servicesupport.settings.InvalidSettingException;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.apache.catalina.util.NetMask;
import org.springframework.boot.tomcat.autoconfigure.TomcatServerProperties;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.core.Ordered;
import org.springframework.stereotype.Component;

/**
 * Refuses to start on a malformed {@code server.tomcat.remoteip.internal-proxies}
 * ({@code BULK_TRUSTED_PROXIES}), naming the setting, the bad entry and the expected form, before
 * Tomcat reads it the same way (a value with a {@code /} is a comma-separated list of CIDR blocks,
 * any other a regular expression of addresses) and fails with its own error. The refusal is the root
 * cause of the failed startup, with Tomcat's reason in its message. Also refused: an empty
 * entry within a list, which Tomcat would take for the loopback address, and a list of addresses
 * without any prefix length, which Tomcat would take for a regular expression that matches no address.
 */
@Component
class TrustedProxies implements WebServerFactoryCustomizer<TomcatServletWebServerFactory>, Ordered {

    static final String SETTING = "server.tomcat.remoteip.internal-proxies (BULK_TRUSTED_PROXIES)";

    static final String EXPECTED = "Set a comma-separated list of CIDR blocks, e.g. \"10.0.0.0/8, ::1/128\", a"
            + " regular expression of addresses, e.g. \"10\\.0\\.3\\.7\", or nothing to trust no proxy.";

    /** Only digits, dots, colons, commas and spaces: addresses, never a remote address as a pattern. */
    private static final Pattern ADDRESS_LIST = Pattern.compile("[0-9A-Fa-f.:\\s]+(,[0-9A-Fa-f.:\\s]*)+");

    private final String internalProxies;

    TrustedProxies(TomcatServerProperties tomcat) {
        this.internalProxies = tomcat.getRemoteip().getInternalProxies();
    }

    @Override
    public void customize(TomcatServletWebServerFactory factory) {
        check(internalProxies);
    }

    /** Before Spring Boot's Tomcat customizer hands the value to Tomcat's {@code RemoteIpValve}. */
    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }

    static void check(String value) {
        if (value == null || value.isEmpty()) {
            return;
        }
        if (value.indexOf('/') > 0) {
            for (String entry : value.split(",")) {
                checkCidrBlock(entry.trim());
            }
        } else if (ADDRESS_LIST.matcher(value).matches()) {
            throw refused(SETTING + " lists addresses without a prefix length (\"" + value
                    + "\"), which would be read as a regular expression that matches no address: write each"
                    + " address as a CIDR block, e.g. \"10.0.3.7/32\". " + EXPECTED);
        } else {
            try {
                Pattern.compile(value);
            } catch (PatternSyntaxException ex) {
                throw refused(SETTING + " is neither a list of CIDR blocks nor a valid regular expression (\"" + value
                        + "\": " + ex.getDescription() + " at index " + ex.getIndex() + "). " + EXPECTED);
            }
        }
    }

    /** The refusal of the setting: the problem, naming it, then the forms it takes. */
    private static InvalidSettingException refused(String problem) {
        return new InvalidSettingException("BULK_TRUSTED_PROXIES", problem, EXPECTED);
    }

    private static void checkCidrBlock(String entry) {
        if (entry.isEmpty()) {
            throw refused(SETTING + " has an empty entry in its list of CIDR blocks. " + EXPECTED);
        }
        try {
            new NetMask(entry);
        } catch (IllegalArgumentException ex) {
            throw refused(SETTING + " has an entry that is not a CIDR block: \"" + entry + "\" (" + ex.getMessage()
                    + "). " + EXPECTED);
        }
    }
}

package com.portfoliobulk.gateway.console;

import java.time.Duration;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.DispatcherServlet;
import org.springframework.web.servlet.support.SessionFlashMapManager;

/**
 * What a console action hands to the page its redirect leads to (a new SCIM token or signing secret,
 * a job's cancellation, a "done" notice), kept in the session ({@link SealedSessions}) for {@link
 * #TIMEOUT} until that page is shown. Spring MVC stamps the end of that time with the clock of the
 * gateway that answered the action, and every request of the session drops what has passed its end
 * by the clock of the gateway serving it, which without affinity in the load balancer is often
 * another: another tab's request (a running job's page asks every second), or the error page's
 * stylesheet after a page failed and kept a new token for the page opened again ({@link
 * ConsoleAdvice}). With Spring's 3 minutes, such a request to a gateway whose clock was 3 minutes
 * ahead dropped a new token or secret before it was shown, for good; 30 minutes leaves that much room
 * for clocks that differ.
 */
@Component(DispatcherServlet.FLASH_MAP_MANAGER_BEAN_NAME)
class ConsoleFlashMaps extends SessionFlashMapManager {

    /** How long the session keeps what an action hands to its page. */
    static final Duration TIMEOUT = Duration.ofMinutes(30);

    ConsoleFlashMaps() {
        setFlashMapTimeout(Math.toIntExact(TIMEOUT.toSeconds()));
    }
}

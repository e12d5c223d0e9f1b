package com.portfoliobulk.gateway.console;

import com.portfoliobulk.gateway.web.TooManyParametersException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.apache.tomcat.util.http.InvalidParameterException;
import org.springframework.core.Ordered;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.ModelAndView;
import org.springframework.web.servlet.resource.NoResourceFoundException;

/**
 * The console's page for a console address that no page answers: one that does not exist (404), a page
 * opened with a method it does not take (405), a query string that does not decode ({@code ?q=%zz},
 * 400), or more fields than the gateway reads (400, {@link ConsoleErrorPages#tooManyFields}). These fail before any console handler is chosen, so {@link ConsoleAdvice} does not see them and
 * the API's problem JSON would reach the browser. Its assets keep their plain 404.
 */
@Component
class ConsoleRequestErrors implements HandlerExceptionResolver, Ordered {

    @Override
    public int getOrder() {
        // Before Spring MVC's resolvers (order 0), which would answer the API's problem.
        return Ordered.HIGHEST_PRECEDENCE + 1;
    }

    @Override
    public ModelAndView resolveException(
            HttpServletRequest request, HttpServletResponse response, Object handler, Exception ex) {
        String path = request.getRequestURI().substring(request.getContextPath().length());
        if (!path.startsWith("/console/") || path.startsWith("/console/assets/")) {
            return null;
        }
        return switch (ex) {
            case NoResourceFoundException notFound ->
                ConsoleAdvice.errorPage(
                        HttpStatus.NOT_FOUND,
                        "There is no such page",
                        "The console has no page at this address: the link was cut short or changed. Open the page"
                                + " again from the console.");
            case HttpRequestMethodNotSupportedException notSupported ->
                ConsoleAdvice.errorPage(
                        HttpStatus.METHOD_NOT_ALLOWED,
                        "There is no such page",
                        "This address takes only a form sent from its console page, not a " + notSupported.getMethod()
                                + " request. Open the page again from the console.");
            case TooManyParametersException tooMany -> ConsoleErrorPages.tooManyFields(tooMany);
            case InvalidParameterException undecodable ->
                ConsoleAdvice.errorPage(
                        HttpStatus.BAD_REQUEST,
                        "This link is not valid",
                        "The address's query string cannot be decoded: a '%' must be followed by two hexadecimal"
                                + " digits. Open the page again from the console, or type the search again.");
            default -> null;
        };
    }
}

package com.portfoliobulk.gateway.web;

import org.springframework.web.bind.WebDataBinder;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.InitBinder;
import org.springframework.web.servlet.support.ExtendedServletRequestDataBinder;

/**
 * Parameter objects ({@link PageParameters} and the like) are bound from the query alone. Spring's
 * servlet binder also reads request headers of the same name, so a {@code Limit: 1} or {@code Cursor}
 * header, which a proxy or a client library may add for its own ends, paged a list the client asked
 * for in full, or answered a problem naming a query parameter the client never sent.
 */
@ControllerAdvice
class QueryOnlyBinding {

    @InitBinder
    void noHeaderValues(WebDataBinder binder) {
        if (binder instanceof ExtendedServletRequestDataBinder servlet) {
            servlet.setHeaderPredicate(header -> false);
        }
    }
}

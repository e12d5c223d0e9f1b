package com.portfoliobulk.gateway.web;

import com.portfoliobulk.servicesupport.web.ProblemTexts;

/**
 * What the request names does not exist, or not in the caller's portfolio: the one 404 problem of
 * the API, whatever was looked for (a portfolio, a job, a user, an account, a path).
 */
public class NotFoundException extends RequestRefusedException {

    static final String TITLE = ProblemTexts.NOT_FOUND_TITLE;

    /** @param detail what was not found, e.g. "There is no job … in this portfolio." */
    public NotFoundException(String detail) {
        super(Reason.NOT_FOUND, TITLE, detail);
    }
}

package com.portfoliobulk.gateway.web;

import jakarta.servlet.ServletRequest;

/**
 * The share of the request bodies' budget that a request's body holds ({@link RequestBodyBudget}), as
 * seen by what handles the request.
 */
public final class HeldBodies {

    /** The request attribute holding what gives the request's share back ({@link Runnable}). */
    static final String RELEASE = HeldBodies.class.getName() + ".RELEASE";

    private HeldBodies() {}

    /**
     * Gives back the share that {@code request}'s body holds, before the request ends: its body has been
     * read into memory and is now sent on to the API as the body of a request of its own, which takes its
     * own share (a console form's reviewed request, sent by the console to the API on the same gateway).
     * Counted twice, a console Confirm of a large list held twice its size, and a few of them at once
     * could hold the whole budget between their forms and wait for it for their API calls, each answered
     * 503. Giving it back more than once, or for a request that holds none, does nothing.
     */
    public static void forwarded(ServletRequest request) {
        if (request != null && request.getAttribute(RELEASE) instanceof Runnable release) {
            release.run();
        }
    }
}

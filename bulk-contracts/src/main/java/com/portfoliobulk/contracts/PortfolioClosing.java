package com.portfoliobulk.contracts;

import java.time.Duration;

/** How long the close of a portfolio holds it, for the services that must wait for it. */
public final class PortfolioClosing {

    /**
     * How long a closure token is valid, and how long after a close's last step the portfolio still
     * counts as closing when the close stopped half way: ownership does not change hands, and its
     * invitation e-mails wait, until then.
     */
    public static final Duration HOLD = Duration.ofMinutes(10);

    private PortfolioClosing() {}
}

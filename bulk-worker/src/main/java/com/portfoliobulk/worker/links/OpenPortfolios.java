package com.portfoliobulk.worker.links;

/**
 * Which accounts count as in a portfolio, for what their pending invitations may still give: the
 * acceptance of an invitation and the sending of its e-mail ask the same.
 */
public final class OpenPortfolios {

    /**
     * Whether the account {@code a} (a row of {@code directory.accounts}) is in a portfolio that is open.
     * One left linked to a closed portfolio (its close could not reach the worker for its last
     * unlinking) is in none: its pending invitations there are ended by the unlink that frees it for
     * another portfolio ({@link AccountLinks}), as the close's unlinks end those of the accounts they
     * reach, and until then they give no access and are not announced.
     */
    public static final String IN_AN_OPEN_PORTFOLIO = """
            (a.portfolio_id IS NOT NULL
             AND NOT EXISTS (SELECT 1 FROM jobs.closed_portfolios c WHERE c.portfolio_id = a.portfolio_id))""";

    private OpenPortfolios() {}
}

package com.portfoliobulk.gateway.portfolio;

/**
 * What an entry of the administration log records: its {@code action}, stored and answered
 * ({@code GET admin-log}) as the constant's name. Every entry the gateway writes names one of these;
 * the migrations that wrote entries themselves (jobs V182) used them too. The console shows each by a
 * name of its own, which a new one needs as well.
 */
public enum AdminLogAction {

    /** A portfolio user added with a role. */
    PORTFOLIO_USER_ADDED,

    /** A portfolio user's portfolio role changed. */
    PORTFOLIO_ROLE_CHANGED,

    /** A portfolio user removed (by an administrator, or deprovisioned by the identity provider). */
    PORTFOLIO_USER_REMOVED,

    /** A custom portfolio role defined, with its permissions. */
    PORTFOLIO_ROLE_DEFINED,

    /** A custom portfolio role deleted. */
    PORTFOLIO_ROLE_DELETED,

    /** A custom account role defined, with its permissions. */
    ACCOUNT_ROLE_DEFINED,

    /** A custom account role deleted. */
    ACCOUNT_ROLE_DELETED,

    /** Ownership offered to a portfolio user. */
    OWNER_TRANSFER_REQUESTED,

    /** An offer of ownership withdrawn (another offer, its recipient removed, the portfolio closing). */
    OWNER_TRANSFER_WITHDRAWN,

    /** An offer of ownership accepted: its recipient is the Owner. */
    OWNER_TRANSFER_ACCEPTED,

    /** An account linked to the portfolio. */
    ACCOUNT_LINKED,

    /** An account unlinked from the portfolio. */
    ACCOUNT_UNLINKED,

    /** The Owner's close of the portfolio begun. */
    PORTFOLIO_CLOSE_STARTED,

    /** The portfolio closed. */
    PORTFOLIO_CLOSED
}

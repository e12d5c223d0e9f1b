package com.portfoliobulk.contracts;

/** Where a change was initiated from. Bulk tools always act from the portfolio level. */
public enum InitiationLevel {
    PORTFOLIO
}

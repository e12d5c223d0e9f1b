package com.portfoliobulk.gateway.web;

import java.util.List;

/**
 * A list of codes as a problem's message shows it: the first {@value #SHOWN}, then how many more, so
 * that a message naming a portfolio's roles stays short however many it defines.
 */
public final class FirstCodes {

    /** The most codes a message names. */
    public static final int SHOWN = 20;

    private FirstCodes() {}

    /** {@code [A, B, C]}, or the first {@value #SHOWN} of a longer list followed by {@code and N more}. */
    public static String of(List<String> codes) {
        if (codes.size() <= SHOWN) {
            return codes.toString();
        }
        return codes.subList(0, SHOWN) + " and " + (codes.size() - SHOWN) + " more";
    }
}

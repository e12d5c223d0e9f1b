package com.portfoliobulk.contracts;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The languages invitation e-mails are written in: the bulk-worker has templates for each, and the
 * console offers these and no other. An invitation in another language is sent in {@value #FALLBACK}.
 */
public final class InvitationLanguages {

    /** The language of an invitation whose own has no templates. */
    public static final String FALLBACK = "en";

    /** Each language's code (BCP 47 primary language) and its name as its speakers write it, in the order offered. */
    public static final Map<String, String> NAMES;

    static {
        Map<String, String> names = new LinkedHashMap<>();
        names.put("en", "English");
        names.put("de", "Deutsch");
        names.put("fr", "Français");
        names.put("es", "Español");
        NAMES = Collections.unmodifiableMap(names);
    }

    private InvitationLanguages() {}
}

package com.portfoliobulk.contracts;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * The names of the standard account roles in each language invitations are written in
 * ({@link InvitationLanguages}): the one set, read from {@code role-names.properties} (English) and
 * {@code role-names_<language>.properties} (UTF-8) next to this class. See
 * {@link AccountRole#displayName(Locale)}.
 */
final class RoleNames {

    static final String RESOURCE = "com/portfoliobulk/contracts/role-names";

    /** Each language's own names, by role code. */
    private static final Map<String, Properties> NAMES = load();

    private RoleNames() {}

    private static Map<String, Properties> load() {
        Map<String, Properties> names = new HashMap<>();
        for (String language : InvitationLanguages.NAMES.keySet()) {
            names.put(language, read(language));
        }
        return Map.copyOf(names);
    }

    private static Properties read(String language) {
        Properties names = new Properties();
        String resource =
                RESOURCE + (language.equals(InvitationLanguages.FALLBACK) ? "" : "_" + language) + ".properties";
        try (InputStream in = RoleNames.class.getClassLoader().getResourceAsStream(resource)) {
            if (in != null) {
                names.load(new InputStreamReader(in, StandardCharsets.UTF_8));
            }
        } catch (IOException ex) {
            throw new UncheckedIOException("Cannot read " + resource, ex);
        }
        return names;
    }

    /**
     * A role's name in the file of a language (a primary language subtag, e.g. {@code de}); null when
     * the file has none for it, or the language is not one of {@link InvitationLanguages}.
     */
    static String own(String code, String language) {
        Properties names = NAMES.get(language);
        return names == null ? null : names.getProperty(code);
    }

    /**
     * A role's name in the locale's primary language ({@code de-CH} reads {@code de}), else in English
     * (also for no locale); null for a code without one (a custom role's).
     */
    static String of(String code, Locale locale) {
        String name = locale == null ? null : own(code, locale.getLanguage());
        return name != null ? name : own(code, InvitationLanguages.FALLBACK);
    }
}

package com.portfoliobulk.gateway.web;

import java.beans.PropertyEditorSupport;
import java.util.UUID;
import java.util.regex.Pattern;
import org.springframework.web.bind.WebDataBinder;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.InitBinder;

/**
 * Ids in paths and query parameters are read in their canonical form only: 8-4-4-4-12 hexadecimal
 * digits, either case, nothing around them. Spring's own reading trims the value and Java's parser
 * takes {@code 0-0-0-0-1} for {@code 00000000-0000-0000-0000-000000000001}, so one portfolio or job had
 * many spellings, and a check that reads the id from the request itself (a SCIM token's portfolio, a
 * rate limit) could see another one than the endpoint. Any other spelling is a 400 naming the
 * parameter. (A property editor, not a converter: Spring falls back to its default editor, which
 * trims, when a converter refuses a value.)
 */
@ControllerAdvice
public class CanonicalUuids {

    /** What an id must be, as the problems that refuse one say it. */
    static final String DESCRIPTION = "a UUID of 8-4-4-4-12 hexadecimal digits";

    private static final Pattern CANONICAL =
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    /** The id, if {@code text} is one in its canonical form; else {@code null}. */
    public static UUID parse(String text) {
        return text != null && CANONICAL.matcher(text).matches() ? UUID.fromString(text) : null;
    }

    @InitBinder
    void canonicalIdsOnly(WebDataBinder binder) {
        binder.registerCustomEditor(UUID.class, new PropertyEditorSupport() {
            @Override
            public void setAsText(String text) {
                if (text == null || text.isEmpty()) {
                    setValue(null);
                    return;
                }
                UUID id = parse(text);
                if (id == null) {
                    throw new IllegalArgumentException("not " + DESCRIPTION);
                }
                setValue(id);
            }
        });
    }
}

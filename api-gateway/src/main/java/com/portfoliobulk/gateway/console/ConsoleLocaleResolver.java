package com.portfoliobulk.gateway.console;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.Locale;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.DispatcherServlet;
import org.springframework.web.servlet.LocaleResolver;

/**
 * The language pages are rendered in ({@code <html lang>}, {@code Content-Language}, the {@code #{...}}
 * texts of the {@code messages} bundles): English, whatever the browser asks for, as the console is
 * written in English; only the invitation flow's pages set another for their request
 * ({@link InvitationLanguage}), and an error page they lead to is the console's, in English again
 * ({@link ConsoleAdvice}, {@link ConsoleErrorPages}). Spring's default would follow {@code Accept-Language}, and so put the
 * console's few translated texts into otherwise English pages.
 */
@Component(DispatcherServlet.LOCALE_RESOLVER_BEAN_NAME)
class ConsoleLocaleResolver implements LocaleResolver {

    /** The console's language. */
    static final Locale CONSOLE = Locale.ENGLISH;

    private static final String ATTRIBUTE = ConsoleLocaleResolver.class.getName() + ".LOCALE";

    @Override
    public Locale resolveLocale(HttpServletRequest request) {
        return request.getAttribute(ATTRIBUTE) instanceof Locale locale ? locale : CONSOLE;
    }

    @Override
    public void setLocale(HttpServletRequest request, HttpServletResponse response, Locale locale) {
        use(request, locale);
    }

    /** Renders the request's page in this language ({@code null}: the console's). */
    static void use(HttpServletRequest request, Locale locale) {
        request.setAttribute(ATTRIBUTE, locale == null ? CONSOLE : locale);
    }
}

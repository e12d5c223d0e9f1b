package com.portfoliobulk.worker.mail;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.InvitationLanguages;
import com.portfoliobulk.contracts.OneLineNames;
import com.portfoliobulk.worker.mail.InvitationMailStore.ClaimedMail;
import com.portfoliobulk.worker.mail.InvitationMailStore.Invitations;
import com.portfoliobulk.worker.mail.InvitationMailStore.InvitedAccount;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.FormatStyle;
import java.util.Locale;
import java.util.Set;
import org.springframework.stereotype.Component;
import org.thymeleaf.TemplateEngine;
import org.thymeleaf.context.Context;
import org.thymeleaf.templatemode.TemplateMode;
import org.thymeleaf.templateresolver.ClassLoaderTemplateResolver;

/**
 * Renders invitation e-mails with Thymeleaf from the templates under {@code mail/<language>/} on the
 * classpath: {@code subject.txt}, {@code invitation.txt} (plain text) and {@code invitation.html}, with
 * the standard roles' names in the language ({@link AccountRole#displayName(Locale)}, the names the
 * console shows too) and the configured names of the portfolio's custom account roles.
 * A language without templates (or none) falls back to English; {@code de-CH} uses {@code de}, and
 * formats dates and numbers as in Switzerland ({@link #locale}).
 */
@Component
class InvitationMailTemplates {

    /** The languages with templates: those the console offers. */
    static final Set<String> LANGUAGES = InvitationLanguages.NAMES.keySet();

    static final String FALLBACK = InvitationLanguages.FALLBACK;

    /**
     * The most accounts a message names; it says how many more there are. A message naming thousands
     * would be hundreds of kilobytes, and mail clients cut long messages short (Gmail after about
     * 100 kB of HTML), hiding the accept link at its end.
     */
    static final int LISTED_ACCOUNTS = 50;

    private final TemplateEngine engine = new TemplateEngine();

    private final MailProperties properties;

    InvitationMailTemplates(MailProperties properties) {
        this.properties = properties;
        engine.addTemplateResolver(resolver(TemplateMode.TEXT, ".txt", 1));
        engine.addTemplateResolver(resolver(TemplateMode.HTML, ".html", 2));
    }

    private static ClassLoaderTemplateResolver resolver(TemplateMode mode, String suffix, int order) {
        ClassLoaderTemplateResolver resolver = new ClassLoaderTemplateResolver();
        resolver.setPrefix("mail/");
        resolver.setTemplateMode(mode);
        resolver.setCharacterEncoding(StandardCharsets.UTF_8.name());
        resolver.setResolvablePatterns(Set.of("*" + suffix));
        resolver.setCheckExistence(true);
        resolver.setCacheable(true);
        resolver.setOrder(order);
        return resolver;
    }

    /**
     * The role's name: a standard role's in the language ({@link AccountRole#displayName(Locale)}), a
     * custom account role's as the portfolio configured it (one name for every language), else the code
     * in words. A custom name stored before names were one line ({@link OneLineNames}) shows its line
     * breaks and direction controls as U+FFFD, as the logs do: a line break in the plain text would add
     * lines that read as the message's own, and a direction override reorders the words around it.
     */
    private String roleName(String language, InvitedAccount account) {
        AccountRole role = account.role();
        if (!role.isStandard() && account.customRoleName() != null) {
            return OneLineNames.shown(account.customRoleName());
        }
        return role.displayName(Locale.forLanguageTag(language));
    }

    /** The template language for a requested one: its primary language when there are templates for it, else English. */
    static String language(String requested) {
        if (requested == null || requested.isBlank()) {
            return FALLBACK;
        }
        String primary = Locale.forLanguageTag(requested.strip()).getLanguage();
        return LANGUAGES.contains(primary) ? primary : FALLBACK;
    }

    /**
     * The locale dates and numbers are written in: the requested language with its region ({@code en-GB}
     * writes 5 March 2026, 14:30; {@code de-CH} 5’000) when the templates are in its language, else that
     * of the templates, so that an English message for a language without templates reads as English.
     */
    static Locale locale(String requested, String language) {
        if (requested != null) {
            Locale locale = Locale.forLanguageTag(requested.strip());
            if (locale.getLanguage().equals(language)) {
                return locale;
            }
        }
        return Locale.forLanguageTag(language);
    }

    RenderedMail render(ClaimedMail mail, Invitations invitations) {
        String language = language(mail.language());
        Locale locale = locale(mail.language(), language);
        Context context = new Context(locale);
        context.setVariable("invitee", mail.email());
        context.setVariable("inviter", mail.inviterEmail());
        // Names go into the plain text, the subject and the HTML as one line, as role names do: a line
        // break in an account's or the portfolio's name would add lines that read as the message's own,
        // and a direction override would reorder the words after it.
        context.setVariable("portfolio", mail.portfolioName() == null ? "" : OneLineNames.shown(mail.portfolioName()));
        context.setVariable(
                "accounts",
                invitations.listed().stream()
                        .map(account ->
                                new AccountLine(OneLineNames.shown(account.name()), roleName(language, account)))
                        .toList());
        context.setVariable("accountCount", invitations.total());
        context.setVariable("unlistedAccounts", invitations.unlisted());
        context.setVariable(
                "expiresAt",
                DateTimeFormatter.ofLocalizedDateTime(FormatStyle.LONG, FormatStyle.SHORT)
                        .withLocale(locale)
                        .withZone(ZoneOffset.UTC)
                        .format(invitations.firstExpiry()));
        context.setVariable("acceptUrl", properties.acceptUrl().replace("{token}", mail.token()));
        return new RenderedMail(
                language,
                engine.process(language + "/subject.txt", context).strip(),
                engine.process(language + "/invitation.txt", context),
                engine.process(language + "/invitation.html", context));
    }

    /** One line of the message's list of accounts. */
    public record AccountLine(String name, String role) {}

    /** A rendered message. */
    record RenderedMail(String language, String subject, String text, String html) {}
}

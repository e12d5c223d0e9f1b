package com.portfoliobulk.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * The standard roles' names, the one set the invitation e-mails and the console's pages read: every
 * standard role has its own name in every language invitations are written in.
 */
class RoleNamesTests {

    @Test
    void everyStandardRoleHasANameInEveryInvitationLanguage() {
        assertThat(InvitationLanguages.NAMES).containsKeys("en", "de", "fr", "es");
        for (String language : InvitationLanguages.NAMES.keySet()) {
            for (AccountRole role : AccountRole.standardRoles()) {
                assertThat(RoleNames.own(role.code(), language))
                        .as("%s in role-names for %s", role, language)
                        .isNotBlank();
            }
        }
    }

    @Test
    void aRoleReadsInTheLocalesPrimaryLanguageElseInEnglish() {
        assertThat(AccountRole.CAMPAIGN_COORDINATOR.displayName()).isEqualTo("Campaign coordinator");
        assertThat(AccountRole.CAMPAIGN_COORDINATOR.displayName(Locale.forLanguageTag("de-CH")))
                .isEqualTo("Kampagnenkoordinator");
        assertThat(AccountRole.OWNER.displayName(Locale.forLanguageTag("fr"))).isEqualTo("Propriétaire");
        assertThat(AccountRole.CONTENT_CREATOR.displayName(Locale.forLanguageTag("es")))
                .isEqualTo("Creador de contenido");
        assertThat(AccountRole.ADMIN.displayName(Locale.forLanguageTag("it"))).isEqualTo("Admin");
        assertThat(AccountRole.ADMIN.displayName(null)).isEqualTo("Admin");
    }

    @Test
    void aCustomRoleReadsAsItsCodeInWordsInEveryLanguage() {
        AccountRole custom = AccountRole.fromCode("REGIONAL_LEAD");
        assertThat(custom.displayName()).isEqualTo("Regional lead");
        assertThat(custom.displayName(Locale.GERMAN)).isEqualTo("Regional lead");
    }
}

package com.portfoliobulk.worker.mail;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.contracts.InvitationLanguages;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every language the console offers for an invitation has its e-mail's templates, so that no one who
 * picks it gets the e-mail in another language. (Its role names are bulk-contracts' RoleNamesTests'.)
 */
class InvitationLanguageTemplatesTests {

    @Test
    void everyOfferedLanguageHasItsTemplates() {
        for (String language : InvitationLanguages.NAMES.keySet()) {
            for (String file : List.of("subject.txt", "invitation.txt", "invitation.html")) {
                assertThat(getClass().getClassLoader().getResource("mail/" + language + "/" + file))
                        .as("mail/%s/%s", language, file)
                        .isNotNull();
            }
            assertThat(InvitationMailTemplates.language(language)).isEqualTo(language);
        }
    }
}

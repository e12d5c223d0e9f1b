package com.portfoliobulk.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EmailAddressesTests {

    @ParameterizedTest
    @ValueSource(
            strings = {
                "ann@brand.example",
                "ann.lee+invites@mail.brand-partners.example",
                "o'connor@x.example",
                "a_b-c=d@x.co",
                "x@sub.xn--bcher-kva.example",
                "1234@123.example"
            })
    void addressesAMailServerTakesAreValid(String address) {
        assertThat(EmailAddresses.isValid(address)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "<script>alert(1)</script>@x.example",
                "a\"onmouseover=\"alert(1)@x.example",
                "a@<b>.example",
                "=hyperlink(\"http://evil\")@x.example",
                "<img/src=x/onerror=alert(1)>@x.example",
                "not-an-address",
                "@x.example",
                "ann@",
                "ann@x",
                "ann@x.123",
                "ann@-x.example",
                "ann@x-.example",
                "ann@x..example",
                ".ann@x.example",
                "ann.@x.example",
                "an..n@x.example",
                "ann lee@x.example",
                "ann@x.example ",
                "ann@@x.example",
                "\"ann\"@x.example",
                "änn@x.example"
            })
    void anythingElseIsRefused(String address) {
        assertThat(EmailAddresses.isValid(address)).isFalse();
    }

    /**
     * A domain typed in Unicode is taken, in its ASCII (xn--, IDNA) form, lower-cased as IDNA maps it;
     * the name before @ stays ASCII alone, and says so when it is not.
     */
    @Test
    void aDomainOutsideAsciiIsStoredInItsXnFormAndANameOutsideAsciiIsRefusedSayingWhy() {
        assertThat(EmailAddresses.stored("Anna@M\u00fcller.de")).contains("anna@xn--mller-kva.de");
        assertThat(EmailAddresses.stored("ANNA@M\u00dcLLER.DE")).contains("anna@xn--mller-kva.de");
        assertThat(EmailAddresses.stored("anna@xn--mller-kva.de")).contains("anna@xn--mller-kva.de");
        assertThat(EmailAddresses.stored("a@\u043f\u0440\u0438\u043c\u0435\u0440.\u0440\u0444"))
                .contains("a@xn--e1afmkfd.xn--p1ai");
        assertThat(EmailAddresses.stored("a@\u65e5\u672c\u3002jp")).contains("a@xn--wgv71a.jp");
        assertThat(EmailAddresses.stored("Ann@Brand.Example")).contains("ann@brand.example");

        assertThat(EmailAddresses.stored("\u00e4nna@m\u00fcller.de")).isEmpty();
        assertThat(EmailAddresses.refusal("\u00e4nna@m\u00fcller.de"))
                .startsWith("the name before @ may only have ASCII characters")
                .contains(EmailAddresses.RULE);
        assertThat(EmailAddresses.stored("\u212Aate@brand.example")).isEmpty();
        assertThat(EmailAddresses.refusal("not-an-address")).isEqualTo(EmailAddresses.RULE);
    }

    /**
     * A domain that Java's IDNA (of 2003) writes otherwise than IDNA 2008 (sharp s: strasse.de, not
     * xn--strae-oqa.de, another domain) is refused, saying to type its xn-- form; so are symbols and
     * punctuation, which IDNA 2008 takes in no domain.
     */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "a@stra\u00dfe.de",
                "a@\u03c3\u03bf\u03c6\u03bf\u03c2.gr",
                "a@a\u200Db.example",
                "a@a\u2665.example",
                "a@x\u3001y.example",
                "a@m\u00fcller..de",
                "a@-m\u00fcller.de",
                "a@m\u00fcller.de.",
                "a@m\u00fcller"
            })
    void aDomainIdnaCannotWriteOneWayIsRefused(String address) {
        assertThat(EmailAddresses.isValid(address)).as(address).isFalse();
    }

    @Test
    void aDomainIdnaVersionsWriteDifferentlyIsRefusedSayingToTypeItsXnForm() {
        assertThat(EmailAddresses.refusal("a@stra\u00dfe.de")).contains("xn--");
        assertThat(EmailAddresses.stored("a@xn--strae-oqa.de")).contains("a@xn--strae-oqa.de");
    }

    /** The limits hold for the address as stored: a Unicode domain's xn-- form is longer than typed. */
    @Test
    void theLimitsHoldForTheXnForm() {
        String fits = "a".repeat(64) + "@" + ("\u00fc".repeat(40) + ".").repeat(3) + "example";
        String tooLong = "a".repeat(64) + "@" + ("\u00fc".repeat(55) + ".").repeat(3) + "example";

        assertThat(EmailAddresses.stored(fits)).get().asString().hasSize(213);
        assertThat(tooLong).hasSizeLessThanOrEqualTo(EmailAddresses.MAX_LENGTH);
        assertThat(EmailAddresses.isValid(tooLong)).isFalse();
    }

    /** A search finds whole labels typed in Unicode in their xn-- form; ASCII is searched as typed. */
    @Test
    void aSearchTextHasItsUnicodeLabelsInTheirXnForm() {
        assertThat(EmailAddresses.searchText("@M\u00fcller.de")).isEqualTo("@xn--mller-kva.de");
        assertThat(EmailAddresses.searchText("m\u00fcller")).isEqualTo("xn--mller-kva");
        assertThat(EmailAddresses.searchText("anna@m\u00fcller.de")).isEqualTo("anna@xn--mller-kva.de");
        assertThat(EmailAddresses.searchText("Ann@")).isEqualTo("Ann@");
        assertThat(EmailAddresses.searchText("stra\u00dfe")).isEqualTo("stra\u00dfe");
        assertThat(EmailAddresses.searchText(null)).isNull();
    }

    @Test
    void theLocalPartAndTheWholeAreBounded() {
        assertThat(EmailAddresses.isValid("a".repeat(64) + "@x.example")).isTrue();
        assertThat(EmailAddresses.isValid("a".repeat(65) + "@x.example")).isFalse();
        String longDomain = ("b".repeat(60) + ".").repeat(5) + "example";
        assertThat(EmailAddresses.isValid("a@" + longDomain)).isFalse();
        assertThat(EmailAddresses.isValid("a@" + "b".repeat(64) + ".example")).isFalse();
    }
}

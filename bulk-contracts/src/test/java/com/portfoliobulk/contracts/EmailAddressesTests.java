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

    @Test
    void theLocalPartAndTheWholeAreBounded() {
        assertThat(EmailAddresses.isValid("a".repeat(64) + "@x.example")).isTrue();
        assertThat(EmailAddresses.isValid("a".repeat(65) + "@x.example")).isFalse();
        String longDomain = ("b".repeat(60) + ".").repeat(5) + "example";
        assertThat(EmailAddresses.isValid("a@" + longDomain)).isFalse();
        assertThat(EmailAddresses.isValid("a@" + "b".repeat(64) + ".example")).isFalse();
    }
}

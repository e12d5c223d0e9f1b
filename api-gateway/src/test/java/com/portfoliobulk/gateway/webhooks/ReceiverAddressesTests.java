package com.portfoliobulk.gateway.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ReceiverAddressesTests {

    @ParameterizedTest
    @ValueSource(
            strings = {
                "127.0.0.1",
                "10.0.0.1",
                "172.31.255.255",
                "192.168.0.1",
                "169.254.169.254",
                "100.64.0.1",
                "0.0.0.0",
                "224.0.0.1",
                "255.255.255.255",
                "198.18.0.1",
                "::1",
                "fe80::1",
                "fd00:ec2::254",
                "::",
                "::ffff:192.168.0.1",
                "::127.0.0.1",
                "::10.0.0.1",
                "64:ff9b::7f00:1",
                "64:ff9b::a9fe:a9fe",
                "64:ff9b:1::a00:1",
                "2002:7f00:1::1",
                "2002:a9fe:a9fe::1",
                "2001:0:4136:e378:8000:63bf:3fff:fdd2",
                "100::1",
                // IPv4-translated (SIIT): loopback and the metadata address.
                "::ffff:0:7f00:1",
                "::ffff:0:a9fe:a9fe",
                "::1:0:0:1"
            })
    void internalAddressesAreNotPublic(String address) throws Exception {
        assertThat(ReceiverAddresses.isPublic(InetAddress.getByName(address))).isFalse();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "8.8.8.8",
                "203.0.113.10",
                "172.32.0.1",
                "100.128.0.1",
                "2606:4700:4700::1111",
                "64:ff9b::808:808",
                "2002:808:808::1"
            })
    void publicAddressesArePublic(String address) throws Exception {
        assertThat(ReceiverAddresses.isPublic(InetAddress.getByName(address))).isTrue();
    }

    @Test
    void aHostThatResolvesToAnInternalAddressAtDeliveryIsRefused() throws Exception {
        AtomicReference<String> answer = new AtomicReference<>("203.0.113.10");
        ReceiverAddresses addresses = new ReceiverAddresses(false, host -> {
            if (answer.get() == null) {
                throw new UnknownHostException(host);
            }
            return new InetAddress[] {InetAddress.getByName(answer.get())};
        });
        assertThat(addresses.problem("https://hooks.example.com/x")).isEmpty();

        answer.set("169.254.169.254");

        assertThatThrownBy(() -> addresses.check(URI.create("https://hooks.example.com/x")))
                .isInstanceOf(UnknownHostException.class)
                .isNotInstanceOf(WebhookSender.RefusedAddressException.class)
                .hasMessage(ReceiverAddresses.NO_PUBLIC_ADDRESS)
                .message()
                .doesNotContain("169.254");
        // As a name that no longer resolves: the same exception, in the same words.
        answer.set(null);
        assertThatThrownBy(() -> addresses.check(URI.create("https://hooks.example.com/x")))
                .isInstanceOf(UnknownHostException.class)
                .isNotInstanceOf(WebhookSender.RefusedAddressException.class)
                .hasMessage(ReceiverAddresses.NO_PUBLIC_ADDRESS);
        answer.set("169.254.169.254");
        assertThat(addresses.problem("https://hooks.example.com/x"))
                .hasValueSatisfying(p -> assertThat(p).contains("link-local").doesNotContain("169.254"));
        // An address written in the URL is named: the caller knows it already.
        assertThat(addresses.problem("https://169.254.169.254/x"))
                .hasValueSatisfying(p -> assertThat(p).contains("169.254.169.254"));
        assertThatThrownBy(() -> addresses.check(URI.create("https://169.254.169.254/x")))
                .isInstanceOf(WebhookSender.RefusedAddressException.class)
                .hasMessageContaining("169.254.169.254");
    }

    @Test
    void localUrlsAreAllowedOnlyWhenConfigured() {
        ReceiverAddresses.Resolver system = InetAddress::getAllByName;
        assertThat(new ReceiverAddresses(true, system).problem("http://127.0.0.1:8080/hook"))
                .isEmpty();
        assertThat(new ReceiverAddresses(false, system).problem("http://127.0.0.1:8080/hook"))
                .hasValue("must be an https:// URL");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "https://hooks.example.com/",
                "https://hooks.example.com",
                "HTTPS://Hooks.Example.COM",
                "https://hooks.example.com:443",
                " https://hooks.example.com/ "
            })
    void everySpellingOfOneReceiverIsTheSameReceiver(String url) {
        assertThat(ReceiverAddresses.receiver(url)).isEqualTo("https://hooks.example.com/");
    }

    @Test
    void pathQueryAndAnotherPortAreAnotherReceiver() {
        assertThat(ReceiverAddresses.receiver("https://hooks.example.com/Hook/?a=B"))
                .isEqualTo("https://hooks.example.com/Hook/?a=B");
        assertThat(ReceiverAddresses.receiver("https://hooks.example.com/hook"))
                .isNotEqualTo(ReceiverAddresses.receiver("https://hooks.example.com/hook/"));
        assertThat(ReceiverAddresses.receiver("https://hooks.example.com:8443/"))
                .isEqualTo("https://hooks.example.com:8443/");
        assertThat(ReceiverAddresses.receiver("http://hooks.example.com:80/x")).isEqualTo("http://hooks.example.com/x");
    }
}

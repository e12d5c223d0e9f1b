package com.portfoliobulk.worker.mail;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Which permanent refusals are the invitee's (the e-mail ends FAILED at once) and which the worker's
 * settings' or the mail system's (retried), over replies as servers send them.
 */
class SmtpRefusalsTests {

    @ParameterizedTest
    @ValueSource(
            strings = {
                "550 5.1.1 <ann@brand.example>: Recipient address rejected: User unknown in local recipient table",
                "550-5.1.1 The email account that you tried to reach does not exist.\n550 5.1.1 Please try again.\n",
                "550 5.1.2 <ann@nowhere.example>: Recipient address rejected: Domain not found",
                "553 5.1.3 <ann@@brand.example>: Recipient address rejected: bad address syntax",
                "556 5.1.10 <ann@brand.example>: Recipient address rejected: Domain brand.example does not accept"
                        + " mail (nullMX)",
                "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup",
                "550 5.2.1 The email account that you tried to reach is disabled.",
                "550 Requested action not taken: mailbox unavailable",
                "551 User not local; please try <ann@elsewhere.example>",
                "553 Requested action not taken: mailbox name not allowed",
            })
    void aRefusalOfTheInviteesAddressIsTheInvitees(String reply) {
        assertThat(SmtpRefusals.refusesTheInvitee(Integer.parseInt(reply.substring(0, 3)), reply))
                .isTrue();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "554 5.7.1 <ann@brand.example>: Relay access denied",
                "553 5.7.1 <invitations@portfolio.example>: Sender address rejected: not owned by user worker",
                "554 5.7.1 <unknown[10.0.0.7]>: Client host rejected: Access denied",
                "550 5.1.0 <invitations@portfolio.example>: Sender address rejected: User unknown in local"
                        + " recipient table",
                "553 5.1.8 <invitations@nowhere.example>: Sender address rejected: Domain not found",
                "504 5.5.2 <invitations>: Sender address rejected: need fully-qualified address",
                "530 5.7.0 Must issue a STARTTLS command first",
                "530 5.7.57 Client not authenticated to send mail",
                "554 5.2.252 SendAsDenied; worker@portfolio.example not allowed to send as invitations@portfolio.example",
                "552 5.2.2 <ann@brand.example>: Mailbox full",
                "554 5.3.4 Message too big for system",
                "554 5.4.6 Hop count exceeded - possible mail loop",
                "554 Transaction failed",
                "501 Syntax error in parameters or arguments",
                "530 Authentication required",
            })
    void aRefusalOfTheSettingsOrTheSystemIsNotTheInvitees(String reply) {
        assertThat(SmtpRefusals.refusesTheInvitee(Integer.parseInt(reply.substring(0, 3)), reply))
                .isFalse();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {"450 4.1.1 <ann@brand.example>: Recipient address verification failed", "451 4.3.0 try later"})
    void aTemporaryRefusalIsNotTheInvitees(String reply) {
        assertThat(SmtpRefusals.refusesTheInvitee(Integer.parseInt(reply.substring(0, 3)), reply))
                .isFalse();
    }

    /** A refusal at RCPT TO that concerns the invitee's address alone, for now: the poll goes on. */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "450 4.7.1 <ann@brand.example>: Recipient address rejected: greylisted",
                "451 4.7.1 Please try again later",
                "450 4.2.0 <ann@brand.example>: Recipient address rejected: Greylisted, see"
                        + " http://postgrey.schweikert.ch/help/brand.example.html",
                "452 4.2.2 The email account that you tried to reach is over quota.",
                "450 4.1.1 <ann@brand.example>: Recipient address verification failed",
                "450 Requested mail action not taken: mailbox unavailable",
                "552 5.2.2 <ann@brand.example>: Mailbox full",
            })
    void aRefusalOfTheInviteesAddressForNowIsTheInviteesAlone(String reply) {
        assertThat(SmtpRefusals.refusesOnlyTheInviteeForNow(Integer.parseInt(reply.substring(0, 3)), reply))
                .isTrue();
    }

    /** A refusal at RCPT TO that holds for every e-mail: the poll ends. */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "421 4.3.2 Service not available, closing transmission channel",
                "421 scripted.example closing connection",
                "450 4.1.8 <invitations@nowhere.example>: Sender address rejected: Domain not found",
                "450 4.1.7 <invitations@portfolio.example>: Sender address rejected: unverified",
                "451 4.3.0 <ann@brand.example>: Temporary lookup failure",
                "452 4.3.1 Insufficient system storage",
                "451 4.4.5 System congestion",
                "554 5.7.1 <ann@brand.example>: Relay access denied",
                "550 5.1.1 <ann@brand.example>: Recipient address rejected: User unknown",
                "552 Requested mail action aborted: exceeded storage allocation",
            })
    void aRefusalThatHoldsForEveryEMailIsNotTheInviteesAlone(String reply) {
        assertThat(SmtpRefusals.refusesOnlyTheInviteeForNow(Integer.parseInt(reply.substring(0, 3)), reply))
                .isFalse();
    }

    /** An enhanced code of another class than the reply's is not one (RFC 3463): the reply code counts. */
    @ParameterizedTest
    @ValueSource(strings = {"550 4.7.1 <ann@brand.example>: try later", "554 2.1.1 <ann@brand.example>: odd"})
    void anEnhancedCodeOfAnotherClassIsIgnored(String reply) {
        assertThat(SmtpRefusals.refusesTheInvitee(Integer.parseInt(reply.substring(0, 3)), reply))
                .isEqualTo(reply.startsWith("550"));
    }
}

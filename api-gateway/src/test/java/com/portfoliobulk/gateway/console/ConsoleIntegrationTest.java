package com.portfoliobulk.gateway.console;

import com.portfoliobulk.gateway.GatewayApplication;
import com.portfoliobulk.testsupport.TestTokens;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

/**
 * A gateway on a random port with the console's demo sign-in and an identity provider registered (that
 * is never called), as the console's HTTP tests sign in, and webhooks configured without a dispatcher;
 * one application context for all of them. It accepts the sessions and reviews made with a second
 * secret, as while the internal token secret is rotated ({@link TestTokens#ACCEPTED_INTERNAL_SECRET}).
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@SpringBootTest(
        webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = {
            "spring.config.name=" + GatewayApplication.CONFIG_NAME,
            "bulk.gateway.console.demo-sign-in=true",
            "spring.security.oauth2.client.registration.corp.client-id=bulk-console",
            "spring.security.oauth2.client.registration.corp.client-secret=not-used",
            "spring.security.oauth2.client.registration.corp.client-name=Corporate SSO",
            "spring.security.oauth2.client.registration.corp.authorization-grant-type=authorization_code",
            "spring.security.oauth2.client.registration.corp.redirect-uri={baseUrl}/login/oauth2/code/{registrationId}",
            "spring.security.oauth2.client.registration.corp.scope=openid,email,bulk-api",
            "spring.security.oauth2.client.provider.corp.authorization-uri=https://idp.example/authorize",
            "spring.security.oauth2.client.provider.corp.token-uri=https://idp.example/token",
            "spring.security.oauth2.client.provider.corp.jwk-set-uri=https://idp.example/jwks",
            "spring.security.oauth2.client.provider.corp.user-name-attribute=sub",
            // Webhook subscriptions can be created (a key for their secrets, receivers on this machine);
            // nothing is sent: a test stands in for the dispatcher's attempts where it needs them.
            "bulk.gateway.webhooks.secret-key=dGVzdC1rZXktZm9yLXdlYmhvb2stc2VjcmV0cy0zMmI=",
            "bulk.gateway.webhooks.allow-local-urls=true",
            "bulk.gateway.webhooks.dispatcher-enabled=false",
            TestTokens.ACCEPTED_INTERNAL_SECRET_PROPERTY
        })
@interface ConsoleIntegrationTest {}

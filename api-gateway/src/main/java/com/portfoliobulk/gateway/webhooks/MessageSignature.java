package com.portfoliobulk.gateway.webhooks;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.List;
import java.util.StringJoiner;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The Standard Webhooks signature: {@code v1,} and the base64 HMAC-SHA256, keyed with the secret's
 * bytes, of {@code <webhook-id>.<webhook-timestamp>.<body>}; one per secret, separated by spaces (a
 * receiver accepts the message when one of them is by its secret).
 */
final class MessageSignature {

    private MessageSignature() {}

    static String sign(List<String> secrets, String messageId, long timestampSeconds, String body) {
        StringJoiner signatures = new StringJoiner(" ");
        secrets.forEach(secret -> signatures.add(sign(secret, messageId, timestampSeconds, body)));
        return signatures.toString();
    }

    private static String sign(String secret, String messageId, long timestampSeconds, String body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(SigningSecrets.keyBytes(secret), "HmacSHA256"));
            byte[] signed =
                    mac.doFinal((messageId + "." + timestampSeconds + "." + body).getBytes(StandardCharsets.UTF_8));
            return "v1," + Base64.getEncoder().encodeToString(signed);
        } catch (GeneralSecurityException ex) {
            throw new IllegalStateException("HMAC-SHA256 is not available", ex);
        }
    }
}

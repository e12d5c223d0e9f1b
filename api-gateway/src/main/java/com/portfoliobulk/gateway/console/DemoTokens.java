package com.portfoliobulk.gateway.console;

import com.portfoliobulk.gateway.security.PortfolioPermission;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.crypto.spec.SecretKeySpec;
import org.springframework.security.oauth2.jose.jws.MacAlgorithm;
import org.springframework.security.oauth2.jwt.JwsHeader;
import org.springframework.security.oauth2.jwt.JwtClaimsSet;
import org.springframework.security.oauth2.jwt.JwtEncoderParameters;
import org.springframework.security.oauth2.jwt.NimbusJwtEncoder;

/**
 * Mints the HS256 tokens of local runs, with the claims the API reads ({@code sub}, {@code email},
 * {@code portfolios}) and the gateway's own secret: the same kind of token the local stack prints.
 */
final class DemoTokens {

    private final NimbusJwtEncoder encoder;

    private final List<String> audiences;

    DemoTokens(String secret, List<String> audiences) {
        this.encoder = NimbusJwtEncoder.withSecretKey(
                        new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"))
                .build();
        this.audiences = List.copyOf(audiences);
    }

    /** A token granting {@code permission} on each of {@code portfolios}, valid until {@code expiresAt}. */
    String mint(UUID userId, String email, List<UUID> portfolios, PortfolioPermission permission, Instant expiresAt) {
        Map<String, Object> granted = new LinkedHashMap<>();
        portfolios.forEach(portfolio -> granted.put(portfolio.toString(), List.of(permission.name())));
        JwtClaimsSet.Builder claims = JwtClaimsSet.builder()
                .subject(userId.toString())
                .claim("email", email)
                .claim("portfolios", granted)
                .issuedAt(Instant.now())
                .expiresAt(expiresAt);
        if (!audiences.isEmpty()) {
            claims.audience(audiences);
        }
        JwsHeader header = JwsHeader.with(MacAlgorithm.HS256).build();
        return encoder.encode(JwtEncoderParameters.from(header, claims.build())).getTokenValue();
    }
}

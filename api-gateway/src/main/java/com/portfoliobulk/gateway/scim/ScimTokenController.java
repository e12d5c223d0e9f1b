package com.portfoliobulk.gateway.scim;

import com.portfoliobulk.contracts.OneLineNames;
import com.portfoliobulk.contracts.TextLength;
import com.portfoliobulk.contracts.paging.Page;
import com.portfoliobulk.gateway.directory.Portfolios;
import com.portfoliobulk.gateway.jobs.JobSubmission;
import com.portfoliobulk.gateway.portfolio.AdministrativeChanges;
import com.portfoliobulk.gateway.scim.ScimTokens.CreatedToken;
import com.portfoliobulk.gateway.scim.ScimTokens.ScimToken;
import com.portfoliobulk.gateway.security.Caller;
import com.portfoliobulk.gateway.security.PortfolioAccess;
import com.portfoliobulk.gateway.security.PortfolioPermission;
import com.portfoliobulk.gateway.web.FieldProblem;
import com.portfoliobulk.gateway.web.NotFoundException;
import com.portfoliobulk.gateway.web.PageParameters;
import com.portfoliobulk.gateway.web.RequestRefusedException;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.enums.ParameterIn;
import io.swagger.v3.oas.annotations.headers.Header;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.springdoc.core.annotations.ParameterObject;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/**
 * The Portfolio Owner's SCIM tokens: the bearer tokens the portfolio's identity provider calls the
 * SCIM endpoints with. Only the Portfolio Owner may create, list, read and revoke them (User
 * Management EDIT is not enough: a SCIM token can offboard anyone in the portfolio). A token's
 * secret is shown once, in the answer that creates it; so a creation sent again with the
 * {@code Idempotency-Key} it was created with is refused (409) naming the token, and creates none.
 */
@Tag(
        name = "SCIM tokens",
        description = "Bearer tokens for the portfolio's identity provider (SCIM 2.0 provisioning). Portfolio Owner"
                + " only.")
@ApiResponse(responseCode = "401", description = "No valid bearer token.")
@ApiResponse(responseCode = "403", description = "The caller is not the Portfolio Owner.")
@RestController
@RequestMapping(ScimTokenController.PATH)
class ScimTokenController {

    /** The tokens' path. */
    static final String PATH = "/api/v1/portfolios/{portfolioId}/scim-tokens";

    static final int MAX_NAME_LENGTH = 100;

    private final PortfolioAccess access;

    private final ScimTokens tokens;

    private final Portfolios portfolios;

    ScimTokenController(PortfolioAccess access, ScimTokens tokens, Portfolios portfolios) {
        this.access = access;
        this.tokens = tokens;
        this.portfolios = portfolios;
    }

    @Operation(
            summary = "Create a SCIM token",
            description = "Answers the token (`scim_...`) once: it is stored hashed and cannot be shown again. Paste"
                    + " it with `scimBaseUrl` into the identity provider (Entra ID: Secret Token and Tenant URL;"
                    + " Okta: API token and SCIM connector base URL). With an Idempotency-Key, a request sent again"
                    + " (after its answer was lost) creates no second token: the secret cannot be shown again, so it"
                    + " is answered 409 naming the token the key created. The key stays with that token for as long"
                    + " as the portfolio has it, revoked too.")
    @ApiResponse(
            responseCode = "201",
            description = "Created; `token` is shown only here.",
            headers = @Header(name = "Location", description = "The token's URL (without its secret)."))
    @ApiResponse(responseCode = "400", description = "An Idempotency-Key that is blank or longer than 255 characters.")
    @ApiResponse(responseCode = "404", description = "The portfolio does not exist.")
    @ApiResponse(
            responseCode = "409",
            description = "The Idempotency-Key created a token already (the same request sent again); no other token"
                    + " was created. The problem names that token (id, name, creation time). Its secret was shown"
                    + " only in the first answer: if that answer was lost, revoke the token and create a new one with"
                    + " a new key.")
    @ApiResponse(
            responseCode = "422",
            description = "`name` is missing, only spaces, longer than 100 characters, or holds a line break, a"
                    + " character that changes the text's direction or an invisible one; or the Idempotency-Key created a token of another name"
                    + " (`idempotency-key-reused`).")
    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE, produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<NewScimToken> create(
            @Parameter(description = "The portfolio.") @PathVariable UUID portfolioId,
            @Parameter(
                            in = ParameterIn.HEADER,
                            description = "Optional: a unique value per token (1-255 characters), e.g. a UUID;"
                                    + " sending the request again with it creates no second token (409 naming the"
                                    + " token it created).")
                    @RequestHeader(name = JobSubmission.IDEMPOTENCY_KEY, required = false)
                    String idempotencyKey,
            @RequestBody CreateScimToken request) {
        // Ownership as it stands now: a token outlasts the seconds a former Owner's cached permissions last.
        Caller owner = access.requireCurrentOwner(requireOwner(portfolioId), portfolioId);
        JobSubmission.checkOptionalKey(idempotencyKey, "token");
        String name = OneLineNames.normalized(request.name());
        if (OneLineNames.blank(name) || TextLength.of(name) > MAX_NAME_LENGTH) {
            throw new RequestRefusedException(
                    RequestRefusedException.Reason.INVALID_CONTENT,
                    "Invalid SCIM token request",
                    "Name the token (1 to " + MAX_NAME_LENGTH + " characters), e.g. \"Entra ID\".",
                    List.of(new FieldProblem(
                            "name",
                            "is required: 1 to " + MAX_NAME_LENGTH + " characters, not only spaces or invisible ones")),
                    null,
                    null);
        }
        if (OneLineNames.indexIn(name) >= 0) {
            throw new RequestRefusedException(
                    RequestRefusedException.Reason.INVALID_CONTENT,
                    "Invalid SCIM token request",
                    "The token's name " + OneLineNames.message(name) + ".",
                    List.of(new FieldProblem("name", OneLineNames.message(name))),
                    null,
                    null);
        }
        portfolios.require(portfolioId);
        CreatedToken created = tokens.create(portfolioId, name, idempotencyKey, owner.userId(), owner.email());
        URI scimBaseUrl = ServletUriComponentsBuilder.fromCurrentContextPath()
                .path(ScimUserController.BASE)
                .buildAndExpand(portfolioId)
                .toUri();
        URI location = ServletUriComponentsBuilder.fromCurrentRequestUri()
                .path("/{tokenId}")
                .buildAndExpand(created.token().id())
                .toUri();
        ScimToken token = created.token();
        return ResponseEntity.created(location)
                .body(new NewScimToken(token.id(), token.name(), created.secret(), scimBaseUrl, token.createdAt()));
    }

    @Operation(summary = "List SCIM tokens", description = "The portfolio's tokens that are not revoked, newest first.")
    @ApiResponse(responseCode = "200", description = "One page of tokens, without their secrets.")
    @ApiResponse(responseCode = "404", description = "The portfolio does not exist.")
    @GetMapping(produces = MediaType.APPLICATION_JSON_VALUE)
    Page<ScimTokenView> list(@PathVariable UUID portfolioId, @ParameterObject PageParameters page) {
        requireOwner(portfolioId);
        return tokens.list(portfolioId, page.request(ScimTokens.LIST, portfolioId))
                .map(ScimTokenView::of);
    }

    @Operation(
            summary = "Get a SCIM token",
            description = "The token as the list shows it, without its secret: the `Location` of a created token.")
    @ApiResponse(responseCode = "200", description = "The token, without its secret.")
    @ApiResponse(responseCode = "404", description = "The portfolio has no such token, or it is revoked.")
    @GetMapping(path = "/{tokenId}", produces = MediaType.APPLICATION_JSON_VALUE)
    ScimTokenView get(@PathVariable UUID portfolioId, @PathVariable UUID tokenId) {
        requireOwner(portfolioId);
        return tokens.find(portfolioId, tokenId)
                .map(ScimTokenView::of)
                .orElseThrow(() ->
                        new NotFoundException("The portfolio has no SCIM token " + tokenId + " that is not revoked."));
    }

    @Operation(
            summary = "Revoke a SCIM token",
            description = "The identity provider's next call with it answers 401. Jobs it created stay.")
    @ApiResponse(responseCode = "204", description = "Revoked.")
    @ApiResponse(responseCode = "404", description = "The portfolio has no such token, or it is revoked already.")
    @DeleteMapping("/{tokenId}")
    ResponseEntity<Void> revoke(@PathVariable UUID portfolioId, @PathVariable UUID tokenId) {
        // Ownership as it stands now, as for a new token: a revocation stops the identity provider's
        // provisioning, which a former Owner is not to do in the seconds their cached permissions last.
        Caller owner = access.requireCurrentOwner(requireOwner(portfolioId), portfolioId);
        if (!tokens.revoke(portfolioId, tokenId)) {
            throw new NotFoundException("The portfolio has no SCIM token " + tokenId + " that is not revoked.");
        }
        AdministrativeChanges.made(portfolioId, owner, "SCIM token " + tokenId + " revoked");
        return ResponseEntity.noContent().build();
    }

    private Caller requireOwner(UUID portfolioId) {
        Caller caller = access.caller();
        if (!caller.permissions().getOrDefault(portfolioId, Set.of()).contains(PortfolioPermission.OWNER)) {
            throw new AccessDeniedException("Only the Portfolio Owner of " + portfolioId + " manages its SCIM tokens");
        }
        return caller;
    }

    /** @param name what to call the token, e.g. "Entra ID" (1 to 100 characters) */
    @Schema(name = "CreateScimToken", example = "{\"name\":\"Entra ID\"}")
    record CreateScimToken(
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, maxLength = 100)
            String name) {}

    /**
     * A token just created.
     *
     * @param tokenId the token's id, to revoke it
     * @param name its name
     * @param token the bearer token for the identity provider; shown only in this answer
     * @param scimBaseUrl the SCIM base URL (tenant URL) for the identity provider
     * @param createdAt when it was created
     */
    @Schema(name = "NewScimToken")
    record NewScimToken(UUID tokenId, String name, String token, URI scimBaseUrl, Instant createdAt) {}

    /**
     * A token, without its secret.
     *
     * @param tokenId the token's id
     * @param name its name
     * @param createdBy who created it
     * @param createdAt when
     * @param lastUsedAt when the identity provider last called with it; absent before
     */
    @Schema(name = "ScimToken")
    record ScimTokenView(UUID tokenId, String name, String createdBy, Instant createdAt, Instant lastUsedAt) {

        static ScimTokenView of(ScimToken token) {
            return new ScimTokenView(
                    token.id(), token.name(), token.createdBy(), token.createdAt(), token.lastUsedAt());
        }
    }
}

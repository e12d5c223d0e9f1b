package com.portfoliobulk.gateway.jobs;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.portfoliobulk.contracts.JobType;
import io.swagger.v3.oas.annotations.media.DiscriminatorMapping;
import io.swagger.v3.oas.annotations.media.Schema;
import tools.jackson.databind.annotation.JsonDeserialize;

/**
 * The body of a bulk job submission (and of its preview), one record per kind of request. On the
 * wire the {@code type} field says which; the two forms of {@code UPDATE_ROLES} are told apart by
 * their fields: {@code assignments} ({@link UpdateRolesByAssignment}) or {@code userIds},
 * {@code accountIds} and {@code role} ({@link UpdateRolesBySelection}).
 *
 * <p>Parsing only checks the shape; {@link JobRequestValidation#validate} checks the content and
 * fills in the defaults.
 */
@JsonDeserialize(using = JobRequestDeserializer.class)
@Schema(
        description = "A bulk job: one of the request types, chosen by `type`.",
        oneOf = {
            InviteUsers.class,
            UpdateRolesByAssignment.class,
            UpdateRolesBySelection.class,
            RemoveAccess.class,
            OffboardUsers.class,
            ResendInvitations.class,
            RevokeInvitations.class
        },
        discriminatorProperty = "type",
        // UPDATE_ROLES maps to the schema of its two forms: see JobRequestDescription.
        discriminatorMapping = {
            @DiscriminatorMapping(value = "INVITE_USERS", schema = InviteUsers.class),
            @DiscriminatorMapping(value = "REMOVE_ACCESS", schema = RemoveAccess.class),
            @DiscriminatorMapping(value = "OFFBOARD_USERS", schema = OffboardUsers.class),
            @DiscriminatorMapping(value = "RESEND_INVITATIONS", schema = ResendInvitations.class),
            @DiscriminatorMapping(value = "REVOKE_INVITATIONS", schema = RevokeInvitations.class)
        })
public sealed interface JobRequest
        permits InviteUsers,
                UpdateRolesByAssignment,
                UpdateRolesBySelection,
                RemoveAccess,
                OffboardUsers,
                ResendInvitations,
                RevokeInvitations {

    /** The kind of job this request creates. */
    @JsonProperty(value = "type", index = 0)
    JobType type();
}

package com.portfoliobulk.gateway.portfolio;

import com.portfoliobulk.gateway.portfolio.AdminModels.RoleView;
import java.time.Instant;
import java.util.List;
import org.springframework.data.annotation.Id;
import org.springframework.data.relational.core.mapping.Table;

/** The custom account roles ({@code jobs.account_roles}); see {@link CustomRoleRepository}. */
interface AccountRoleRepository extends CustomRoleRepository<AccountRoleRepository.Row> {

    /** One row of {@code jobs.account_roles}. */
    @Table(schema = "jobs", name = "account_roles")
    record Row(@Id Key id, String name, String description, List<String> permissions, Instant createdAt)
            implements CustomRole {

        @Override
        public RoleView view() {
            return new RoleView(id.code(), name, description, permissions, true);
        }
    }
}

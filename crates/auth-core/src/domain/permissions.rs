//! Who may use what: the settings-menu table of the spec (S1) and the admin console (A1, A2),
//! decided in one place. Menus call [`settings_menu`]; every use case calls [`can_use`] or
//! [`can_administer`]; nothing else checks roles.

use chrono::{DateTime, Utc};

use super::{Plan, Role, TRIAL_UPGRADE_GRACE};

/// An item of the settings menu.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SettingsItem {
    /// Set one's login method (M1).
    LoginMethod,
    /// Change one's e-mail address (E1).
    EmailChange,
    /// Change one's password (P2).
    PasswordChange,
    /// The contract's access route (N3).
    AccessRoute,
    /// The contract's two-factor policy (T8).
    TwoFactorPolicy,
    /// Active Directory (D1).
    ActiveDirectory,
    /// Contract details.
    ContractDetails,
    /// Plan change (C2).
    PlanChange,
    /// Cancellation.
    Cancellation,
}

impl SettingsItem {
    /// Every item, in menu order.
    pub const ALL: [SettingsItem; 9] = [
        Self::LoginMethod,
        Self::EmailChange,
        Self::PasswordChange,
        Self::AccessRoute,
        Self::TwoFactorPolicy,
        Self::ActiveDirectory,
        Self::ContractDetails,
        Self::PlanChange,
        Self::Cancellation,
    ];
}

/// Who is looking at the menu.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewer {
    /// Their role.
    pub role: Role,
    /// Their contract's plan.
    pub plan: Plan,
    /// Whether they sign in with a password (password change is offered only then).
    pub has_password: bool,
}

/// Whether `viewer` may use `item` at `now` (S1).
pub fn can_use(item: SettingsItem, viewer: &Viewer, now: DateTime<Utc>) -> bool {
    let owner = viewer.role == Role::Owner;
    let basic = viewer.plan == Plan::Basic;
    match item {
        SettingsItem::LoginMethod
        | SettingsItem::EmailChange
        | SettingsItem::ContractDetails
        | SettingsItem::Cancellation => owner && basic,
        SettingsItem::PasswordChange => viewer.has_password,
        SettingsItem::AccessRoute
        | SettingsItem::TwoFactorPolicy
        | SettingsItem::ActiveDirectory => owner,
        SettingsItem::PlanChange => {
            owner
                && match viewer.plan.trial_ends_at() {
                    None => true,
                    Some(end) => now <= end + TRIAL_UPGRADE_GRACE,
                }
        }
    }
}

/// The items the settings menu shows `viewer` at `now`, in menu order (S1).
pub fn settings_menu(viewer: &Viewer, now: DateTime<Utc>) -> Vec<SettingsItem> {
    SettingsItem::ALL
        .into_iter()
        .filter(|item| can_use(*item, viewer, now))
        .collect()
}

/// An action of the admin console.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AdminAction {
    /// List and open users (A1).
    ViewUsers,
    /// Invite a user, resend an invitation (A1, I1).
    Invite,
    /// Send an e-mail change or login-method change (A1, E2).
    SendChange,
    /// Register and remove line numbers (A2, N1).
    ManageLines,
    /// Set the contract's access route (A2, N3): the owner only.
    SetAccessRoute,
    /// End all sessions of a user, remove a user (X4).
    ManageSessions,
    /// Read the contract's audit events (X1).
    ReadAudit,
}

/// Whether `role` may take `action` in the admin console.
pub fn can_administer(action: AdminAction, role: Role) -> bool {
    match action {
        AdminAction::SetAccessRoute => role == Role::Owner,
        _ => role.is_administrator(),
    }
}

/// The admin actions `role` may take, or none when the console is closed to it.
pub fn admin_actions(role: Role) -> Vec<AdminAction> {
    [
        AdminAction::ViewUsers,
        AdminAction::Invite,
        AdminAction::SendChange,
        AdminAction::ManageLines,
        AdminAction::SetAccessRoute,
        AdminAction::ManageSessions,
        AdminAction::ReadAudit,
    ]
    .into_iter()
    .filter(|a| can_administer(*a, role))
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use SettingsItem::*;
    use chrono::{Duration, TimeZone};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 5, 1, 0, 0, 0).unwrap()
    }

    fn viewer(role: Role, plan: Plan) -> Viewer {
        Viewer {
            role,
            plan,
            has_password: true,
        }
    }

    /// The spec's S table, row by row: (item, Basic owner, Basic user, FreeTrial owner,
    /// FreeTrial user), for a trial still running.
    const TABLE: [(SettingsItem, bool, bool, bool, bool); 9] = [
        (LoginMethod, true, false, false, false),
        (EmailChange, true, false, false, false),
        (PasswordChange, true, true, true, true),
        (AccessRoute, true, false, true, false),
        (TwoFactorPolicy, true, false, true, false),
        (ActiveDirectory, true, false, true, false),
        (ContractDetails, true, false, false, false),
        (PlanChange, true, false, true, false),
        (Cancellation, true, false, false, false),
    ];

    #[test]
    fn s1_every_cell_of_the_settings_table() {
        let trial = Plan::FreeTrial {
            started_at: now() - Duration::days(3),
        };
        for (item, basic_owner, basic_user, trial_owner, trial_user) in TABLE {
            for (role, plan, expected) in [
                (Role::Owner, Plan::Basic, basic_owner),
                (Role::User, Plan::Basic, basic_user),
                (Role::Admin, Plan::Basic, basic_user),
                (Role::Owner, trial, trial_owner),
                (Role::User, trial, trial_user),
                (Role::Admin, trial, trial_user),
            ] {
                assert_eq!(
                    can_use(item, &viewer(role, plan), now()),
                    expected,
                    "{item:?} {role:?} {plan:?}"
                );
            }
        }
    }

    #[test]
    fn s1_password_change_is_offered_only_to_password_accounts() {
        for role in [Role::Owner, Role::Admin, Role::User] {
            let v = Viewer {
                role,
                plan: Plan::Basic,
                has_password: false,
            };
            assert!(!can_use(PasswordChange, &v, now()));
            assert!(!settings_menu(&v, now()).contains(&PasswordChange));
        }
    }

    #[test]
    fn c2_a_trial_owner_may_change_plan_until_exactly_fifteen_days_after_the_end() {
        let started = now() - Duration::days(30);
        let v = viewer(
            Role::Owner,
            Plan::FreeTrial {
                started_at: started,
            },
        );
        let end = started + Duration::days(30);
        assert!(can_use(PlanChange, &v, end + Duration::days(15)));
        assert!(!can_use(
            PlanChange,
            &v,
            end + Duration::days(15) + Duration::seconds(1)
        ));
    }

    #[test]
    fn s1_the_menu_lists_exactly_the_allowed_items_in_order() {
        let trial = Plan::FreeTrial { started_at: now() };
        assert_eq!(
            settings_menu(&viewer(Role::Owner, trial), now()),
            vec![
                PasswordChange,
                AccessRoute,
                TwoFactorPolicy,
                ActiveDirectory,
                PlanChange
            ]
        );
        assert_eq!(
            settings_menu(&viewer(Role::User, Plan::Basic), now()),
            vec![PasswordChange]
        );
        assert_eq!(
            settings_menu(&viewer(Role::Owner, Plan::Basic), now()),
            SettingsItem::ALL.to_vec()
        );
    }

    #[test]
    fn a1_owner_and_admins_use_the_console_users_do_not() {
        assert!(admin_actions(Role::User).is_empty());
        assert_eq!(admin_actions(Role::Owner).len(), 7);
        assert!(can_administer(AdminAction::ManageLines, Role::Admin));
        assert!(!can_administer(AdminAction::SetAccessRoute, Role::Admin));
    }
}

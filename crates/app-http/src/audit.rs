//! The audit trail as the app runs it (X1): every event goes to the structured log for
//! operators and to the store for owners and admins.

use std::sync::Arc;

use async_trait::async_trait;

use auth_core::domain::{
    AccessRoute, AuditEvent, AuditKind, ContractId, ProviderResult, SecondFactorKind, SessionScope,
    SignInFailure, TwoFactorPolicy,
};
use auth_core::ports::{AuditLog, AuditPage, AuditQuery};

use crate::messages::Lang;

/// Logs each event and forwards it to the stored trail.
pub struct LoggedAudit {
    stored: Arc<dyn AuditLog>,
}

impl LoggedAudit {
    /// Logs, then stores in `stored`.
    pub fn new(stored: Arc<dyn AuditLog>) -> Self {
        Self { stored }
    }
}

#[async_trait]
impl AuditLog for LoggedAudit {
    async fn record(&self, event: AuditEvent) {
        tracing::info!(
            target: "tobira::audit",
            at = %event.at.to_rfc3339(),
            contract = ?event.contract.map(|c| c.to_string()),
            account = ?event.account.map(|a| a.to_string()),
            channel = event.channel.as_str(),
            client = ?event.client_address,
            kind = ?event.kind,
            "audit"
        );
        self.stored.record(event).await;
    }

    async fn events_of(&self, contract: ContractId, limit: usize) -> Vec<AuditEvent> {
        self.stored.events_of(contract, limit).await
    }

    async fn events_page(&self, query: &AuditQuery) -> AuditPage {
        self.stored.events_page(query).await
    }
}

/// The stable names of an audit event as the API gives them (X1): the kind, why (for failures
/// and provider round trips), and which factor, scope, route or policy it concerns. Never Rust
/// `Debug` text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuditNames {
    /// What happened, e.g. `sign_in_failed`.
    pub kind: &'static str,
    /// Why, for `sign_in_failed` (e.g. `wrong_password`, `wrong_second_factor`) and
    /// `provider_sign_in` (e.g. `verified`, `denied`).
    pub reason: Option<&'static str>,
    /// What it concerns: the factor (`sms`, `totp`), the scope (`service`, `settings`), the
    /// route (`line_and_internet`, `line_only`) or the policy (`enabled`, `disabled`).
    pub detail: Option<&'static str>,
    /// The provider of `provider_sign_in` (`google`, `facebook`, `microsoft`, `d-account`).
    pub provider: Option<&'static str>,
}

/// Every `kind` [`names`] gives.
pub const KINDS: &[&str] = &[
    "provider_sign_in",
    "sign_in_succeeded",
    "sign_in_failed",
    "account_locked",
    "account_unlocked",
    "password_reset_requested",
    "password_reset",
    "password_changed",
    "password_rehashed",
    "session_ended",
    "second_factor_enrolled",
    "second_factor_passed",
    "second_factor_failed",
    "recovery_code_used",
    "recovery_code_failed",
    "invitation_sent",
    "invitation_accepted",
    "email_change_requested",
    "email_changed",
    "login_method_change_requested",
    "login_method_changed",
    "account_removed",
    "sessions_ended",
    "line_registered",
    "line_removed",
    "line_consent_given",
    "access_route_changed",
    "active_directory_enabled",
    "active_directory_changed",
    "active_directory_turned_off",
    "directory_sign_in",
    "plan_changed",
    "contract_cancelled",
    "contract_details_changed",
    "two_factor_policy_changed",
    "other",
];

/// Every `reason` [`names`] gives.
pub const REASONS: &[&str] = &[
    "unknown_email",
    "wrong_password",
    "locked",
    "not_a_password_account",
    "contract_ended",
    "line_not_registered",
    "internet_not_allowed",
    "unbound_identity",
    "wrong_second_factor",
    "verified",
    "bad_state",
    "denied",
    "rejected",
    "unavailable",
    "other",
];

/// Every `detail` [`names`] gives.
pub const DETAILS: &[&str] = &[
    "sms",
    "totp",
    "service",
    "settings",
    "line_and_internet",
    "line_only",
    "enabled",
    "disabled",
    "other",
];

/// The stable names of an event's kind.
pub fn names(kind: &AuditKind) -> AuditNames {
    use AuditKind as K;
    let mut n = AuditNames {
        kind: "other",
        reason: None,
        detail: None,
        provider: None,
    };
    n.kind = match kind {
        K::ProviderSignIn { provider, result } => {
            n.provider = Some(provider.as_str());
            n.reason = Some(result_name(*result));
            "provider_sign_in"
        }
        K::DirectorySignIn { result } => {
            n.reason = Some(result_name(*result));
            "directory_sign_in"
        }
        K::SignInSucceeded { scope } => {
            n.detail = Some(scope_name(*scope));
            "sign_in_succeeded"
        }
        K::SignInFailed { reason } => {
            n.reason = Some(match reason {
                SignInFailure::UnknownEmail => "unknown_email",
                SignInFailure::WrongPassword => "wrong_password",
                SignInFailure::Locked => "locked",
                SignInFailure::NotAPasswordAccount => "not_a_password_account",
                SignInFailure::ContractEnded => "contract_ended",
                SignInFailure::LineNotRegistered => "line_not_registered",
                SignInFailure::InternetNotAllowed => "internet_not_allowed",
                SignInFailure::UnboundIdentity => "unbound_identity",
                SignInFailure::WrongSecondFactor => "wrong_second_factor",
            });
            "sign_in_failed"
        }
        K::AccountLocked => "account_locked",
        K::AccountUnlocked => "account_unlocked",
        K::PasswordResetRequested => "password_reset_requested",
        K::PasswordReset => "password_reset",
        K::PasswordChanged => "password_changed",
        K::PasswordRehashed => "password_rehashed",
        K::SessionEnded => "session_ended",
        K::SecondFactorEnrolled { kind } => {
            n.detail = Some(factor_name(*kind));
            "second_factor_enrolled"
        }
        K::SecondFactorPassed { kind } => {
            n.detail = Some(factor_name(*kind));
            "second_factor_passed"
        }
        K::SecondFactorFailed { kind } => {
            n.detail = Some(factor_name(*kind));
            "second_factor_failed"
        }
        K::RecoveryCodeUsed => "recovery_code_used",
        K::RecoveryCodeFailed => "recovery_code_failed",
        K::InvitationSent => "invitation_sent",
        K::InvitationAccepted => "invitation_accepted",
        K::EmailChangeRequested => "email_change_requested",
        K::EmailChanged => "email_changed",
        K::LoginMethodChangeRequested => "login_method_change_requested",
        K::LoginMethodChanged => "login_method_changed",
        K::AccountRemoved => "account_removed",
        K::SessionsEnded => "sessions_ended",
        K::LineRegistered => "line_registered",
        K::LineRemoved => "line_removed",
        K::LineConsentGiven => "line_consent_given",
        K::AccessRouteChanged { route } => {
            n.detail = Some(match route {
                AccessRoute::LineAndInternet => "line_and_internet",
                AccessRoute::LineOnly => "line_only",
            });
            "access_route_changed"
        }
        K::ActiveDirectoryEnabled => "active_directory_enabled",
        K::ActiveDirectoryChanged => "active_directory_changed",
        K::ActiveDirectoryTurnedOff => "active_directory_turned_off",
        K::PlanChanged => "plan_changed",
        K::ContractCancelled => "contract_cancelled",
        K::ContractDetailsChanged => "contract_details_changed",
        K::TwoFactorPolicyChanged { policy } => {
            n.detail = Some(match policy {
                TwoFactorPolicy::Enabled => "enabled",
                TwoFactorPolicy::Disabled => "disabled",
            });
            "two_factor_policy_changed"
        }
    };
    n
}

fn result_name(result: ProviderResult) -> &'static str {
    match result {
        ProviderResult::Verified => "verified",
        ProviderResult::BadState => "bad_state",
        ProviderResult::Denied => "denied",
        ProviderResult::Rejected => "rejected",
        ProviderResult::Unavailable => "unavailable",
    }
}

fn scope_name(scope: SessionScope) -> &'static str {
    match scope {
        SessionScope::Settings => "settings",
        SessionScope::Service => "service",
    }
}

fn factor_name(kind: SecondFactorKind) -> &'static str {
    match kind {
        SecondFactorKind::Sms => "sms",
        SecondFactorKind::Totp => "totp",
    }
}

/// An event of the kind named `name` (one of [`KINDS`] but `other`), to filter by: its fields
/// are placeholders, since a filter by kind matches every value of them.
pub fn kind_named(name: &str) -> Option<AuditKind> {
    use AuditKind as K;
    let scope = SessionScope::Service;
    let factor = SecondFactorKind::Totp;
    let all = [
        K::ProviderSignIn {
            provider: auth_core::domain::Provider::Google,
            result: ProviderResult::Verified,
        },
        K::SignInSucceeded { scope },
        K::SignInFailed {
            reason: SignInFailure::WrongPassword,
        },
        K::AccountLocked,
        K::AccountUnlocked,
        K::PasswordResetRequested,
        K::PasswordReset,
        K::PasswordChanged,
        K::PasswordRehashed,
        K::SessionEnded,
        K::SecondFactorEnrolled { kind: factor },
        K::SecondFactorPassed { kind: factor },
        K::SecondFactorFailed { kind: factor },
        K::RecoveryCodeUsed,
        K::RecoveryCodeFailed,
        K::InvitationSent,
        K::InvitationAccepted,
        K::EmailChangeRequested,
        K::EmailChanged,
        K::LoginMethodChangeRequested,
        K::LoginMethodChanged,
        K::AccountRemoved,
        K::SessionsEnded,
        K::LineRegistered,
        K::LineRemoved,
        K::LineConsentGiven,
        K::AccessRouteChanged {
            route: AccessRoute::LineAndInternet,
        },
        K::ActiveDirectoryEnabled,
        K::ActiveDirectoryChanged,
        K::ActiveDirectoryTurnedOff,
        K::DirectorySignIn {
            result: ProviderResult::Verified,
        },
        K::PlanChanged,
        K::ContractCancelled,
        K::ContractDetailsChanged,
        K::TwoFactorPolicyChanged {
            policy: TwoFactorPolicy::Enabled,
        },
    ];
    all.into_iter().find(|k| names(k).kind == name)
}

/// The label of a channel (`internet`, `line`) for people, in Japanese or English.
pub fn channel_label(name: &str, lang: Lang) -> &'static str {
    let (ja, en) = match name {
        "internet" => ("インターネット", "internet"),
        "line" => ("回線", "line"),
        _ => ("その他", "other"),
    };
    match lang {
        Lang::Ja => ja,
        Lang::En => en,
    }
}

/// The label of a `reason` or `detail` name for people, in Japanese or English (the admin
/// console's audit log).
pub fn label(name: &str, lang: Lang) -> &'static str {
    let (ja, en) = match name {
        "unknown_email" => ("未登録のメールアドレス", "unknown e-mail address"),
        "wrong_password" => ("パスワードの誤り", "wrong password"),
        "locked" => ("ロック中", "account locked"),
        "not_a_password_account" => (
            "パスワード以外のログイン方法のユーザー",
            "not a password account",
        ),
        "contract_ended" => ("契約期間の終了", "contract ended"),
        "line_not_registered" => ("未登録の回線", "line not registered"),
        "internet_not_allowed" => (
            "インターネット経由は許可されていません",
            "internet not allowed",
        ),
        "unbound_identity" => ("連携されていない外部アカウント", "identity not linked"),
        "wrong_second_factor" => ("二段階認証コードの誤り", "wrong second-step code"),
        "verified" => ("確認済み", "verified"),
        "bad_state" => ("無効または期限切れの要求", "invalid or expired request"),
        "denied" => ("外部サービスで取り消し", "cancelled at the provider"),
        "rejected" => ("応答を検証できません", "answer not verified"),
        "unavailable" => ("外部サービスに接続できません", "provider unavailable"),
        "sms" => ("SMS", "SMS"),
        "totp" => ("認証アプリ", "authenticator app"),
        "service" => ("サービス", "service pages"),
        "settings" => ("設定メニュー", "settings menu"),
        "line_and_internet" => ("回線とインターネット", "lines and the internet"),
        "line_only" => ("回線のみ", "lines only"),
        "enabled" => ("有効", "on"),
        "disabled" => ("無効", "off"),
        _ => ("その他", "other"),
    };
    match lang {
        Lang::Ja => ja,
        Lang::En => en,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn x1_every_reason_and_detail_has_a_label_in_both_languages() {
        for name in REASONS.iter().chain(DETAILS) {
            let (ja, en) = (label(name, Lang::Ja), label(name, Lang::En));
            assert!(!ja.is_empty() && !en.is_empty(), "{name}");
            if *name != "other" {
                assert_ne!(en, "other", "{name} has no label of its own");
            }
        }
    }

    #[test]
    fn x1_every_kind_but_other_can_be_filtered_by_and_every_channel_is_labelled() {
        for name in KINDS {
            match kind_named(name) {
                Some(kind) => assert_eq!(names(&kind).kind, *name),
                None => assert_eq!(*name, "other"),
            }
        }
        assert!(kind_named("AccountLocked").is_none());
        for channel in ["internet", "line"] {
            for lang in [Lang::Ja, Lang::En] {
                assert_ne!(channel_label(channel, lang), channel_label("?", lang));
            }
        }
        assert_eq!(channel_label("internet", Lang::Ja), "インターネット");
    }

    #[test]
    fn x1_audit_names_are_stable_snake_case_and_listed() {
        let kinds = [
            AuditKind::SignInFailed {
                reason: SignInFailure::WrongSecondFactor,
            },
            AuditKind::SecondFactorFailed {
                kind: SecondFactorKind::Totp,
            },
            AuditKind::AccessRouteChanged {
                route: AccessRoute::LineOnly,
            },
            AuditKind::ProviderSignIn {
                provider: auth_core::domain::Provider::DAccount,
                result: ProviderResult::Denied,
            },
            AuditKind::DirectorySignIn {
                result: ProviderResult::Rejected,
            },
            AuditKind::ActiveDirectoryChanged,
            AuditKind::ActiveDirectoryTurnedOff,
            AuditKind::AccountLocked,
        ];
        for kind in &kinds {
            let n = names(kind);
            assert!(KINDS.contains(&n.kind), "{}", n.kind);
            assert!(n.reason.is_none_or(|r| REASONS.contains(&r)));
            assert!(n.detail.is_none_or(|d| DETAILS.contains(&d)));
            for name in [Some(n.kind), n.reason, n.detail].into_iter().flatten() {
                assert!(
                    name.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                    "{name}"
                );
            }
        }
        assert_eq!(
            names(&kinds[0]),
            AuditNames {
                kind: "sign_in_failed",
                reason: Some("wrong_second_factor"),
                detail: None,
                provider: None,
            }
        );
        assert_eq!(names(&kinds[3]).provider, Some("d-account"));
    }
}

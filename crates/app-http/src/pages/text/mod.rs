//! The pages' texts, one catalogue per language (`ja.rs`, `en.rs`). Each catalogue is
//! an exhaustive `match` over [`T`], so a key missing in either language does not compile;
//! the tests check that none is empty and that placeholders agree. Error messages of the use
//! cases come from the API's catalogue ([`crate::messages`]), so a refusal reads the same on a
//! page as over the API.

mod en;
mod ja;

use crate::messages::Lang;

macro_rules! keys {
    ($($key:ident,)*) => {
        /// A text of the pages.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[allow(missing_docs)]
        pub enum T {
            $($key,)*
        }

        impl T {
            /// Every key, for completeness tests.
            pub const ALL: &'static [T] = &[$(T::$key,)*];
        }
    };
}

keys! {
    Footer,
    LanguageSwitch,
    BackToStart,
    Back,
    Cancel,
    Confirm,
    Continue,
    Next,
    Save,
    Remove,
    Actions,
    ErrorTitle,
    TooManyRequests,
    CsrfTitle,
    CsrfBody,
    BadFormTitle,
    BadFormBody,
    LinkProblemTitle,
    LinkProblemHelp,
    Email,
    Password,
    NewPassword,
    NewPasswordAgain,
    CurrentPassword,
    ShowPassword,
    HidePassword,
    Name,
    SignInId,
    Role,
    RoleOwner,
    RoleAdmin,
    RoleUser,
    LoginMethod,
    MethodPassword,
    Contract,
    Status,
    StatusActive,
    StatusCancelled,
    Locked,
    RegisteredAt,
    SentAt,
    When,
    Account,
    Event,
    SignInTitle,
    SettingsSignInTitle,
    SettingsSignInIntro,
    SignInButton,
    ForgotPasswordLink,
    ToSettingsSignIn,
    ToServiceSignIn,
    OtherMethods,
    ProvidersUnavailable,
    SignInWithProvider,
    RegisterWithProvider,
    SwitchToProvider,
    ProviderReviewIntro,
    ContinueToProvider,
    ContinueToProviderTitle,
    ContinueToProviderLink,
    FederationFailedTitle,
    MethodChangedTitle,
    MethodChangedBody,
    ActiveDirectory,
    ConnectionIdIs,
    ChooseFactorTitle,
    ChooseFactorIntro,
    SmsOption,
    SmsOptionHelp,
    PhoneNumber,
    PhoneHint,
    SendCode,
    TotpOption,
    TotpOptionHelp,
    UseTotp,
    SmsCodeTitle,
    SmsEnrolCodeIntro,
    SmsChallengeIntro,
    SmsChallengeIntroPlain,
    Code,
    RememberBrowser,
    ResendCode,
    UseAnotherNumber,
    TotpEnrolTitle,
    TotpStepInstall,
    TotpStepScan,
    QrAlt,
    TotpSecretIntro,
    TotpStepCode,
    BackToChoice,
    TotpCodeTitle,
    TotpChallengeIntro,
    LostDeviceLink,
    LostDeviceTitle,
    LostDeviceIntro,
    RecoveryCode,
    RecoveryCodeHint,
    BackToCode,
    RecoveryCodeTitle,
    RecoveryCodeIntro,
    RecoveryCodeWarning,
    RecoveryCodeShownBefore,
    RecoverySaved,
    LineConsentTitle,
    LineConsentIntro,
    LineConsentDetail,
    LineConsentAgree,
    ForgotTitle,
    ForgotIntro,
    SendResetLink,
    BackToSignIn,
    ForgotSentTitle,
    ForgotSentBody,
    ResetTitle,
    ResetIntro,
    SetPassword,
    UnlockTitle,
    UnlockIntro,
    UnlockButton,
    InvitationTitle,
    InvitationIntro,
    ChooseMethodTitle,
    ReviewButton,
    ReviewTitle,
    ReviewIntro,
    RegisterButton,
    BackToEdit,
    RegisteredTitle,
    RegisteredBody,
    EmailChangeTitle,
    EmailChangeIntro,
    EmailChangeNeedsPassword,
    CompleteChange,
    MethodChangeTitle,
    MethodChangeIntro,
    SetMethodButton,
    HomeTitle,
    HomeIntro,
    SettingsMenuLink,
    SignOut,
    SessionsTitle,
    SessionsIntro,
    SessionStarted,
    SessionLastSeen,
    SessionWhere,
    SessionBrowser,
    SettingsScope,
    ThisSession,
    EndSession,
    NoSessions,
    SettingsTitle,
    SettingsIntro,
    BackToSettings,
    CurrentSetting,
    ItemLoginMethod,
    ItemEmailChange,
    ItemPasswordChange,
    ItemAccessRoute,
    ItemTwoFactor,
    ItemActiveDirectory,
    ItemContract,
    ItemPlan,
    ItemCancel,
    PasswordChangeIntro,
    ChangePasswordButton,
    EmailRequestIntro,
    NewEmail,
    NewEmailAgain,
    SendConfirmation,
    OwnMethodIntro,
    OwnerNoAd,
    RouteIntro,
    RouteLineAndInternet,
    RouteLineOnly,
    RouteConfirmTitle,
    RouteConfirmIntro,
    RouteLineOnlyWarning,
    ConfirmChange,
    TwoFactorIntro,
    PolicyEnabled,
    PolicyDisabled,
    TwoFactorRisk,
    AcknowledgeRisk,
    AdIntro,
    AdEnabledIntro,
    ConnectionId,
    MetadataUrl,
    MetadataUrlHint,
    EnabledAt,
    EnableAd,
    AdProtocolLegend,
    AdProtocolSaml,
    AdProtocolOidc,
    MetadataXml,
    MetadataXmlHint,
    MetadataFile,
    DiscoveryUrlHint,
    AdClientId,
    AdClientSecret,
    AdClientSecretKeep,
    AdSubjectLegend,
    AdSubjectPersistent,
    AdSubjectUpn,
    AdSubjectGuid,
    AdStatus,
    AdStatusOn,
    AdStatusOff,
    AdTurnedOffIntro,
    AdAddressInternet,
    AdAddressLine,
    AdRelyingPartyTitle,
    AdRelyingPartyIntro,
    AdEntityId,
    AdAcsInternet,
    AdAcsLine,
    AdRedirectUris,
    AdSpMetadata,
    AdMetadataReadAt,
    AdEditTitle,
    AdSave,
    AdReread,
    AdRereadHint,
    AdTurnOffTitle,
    AdTurnOff,
    AdTurnOffConfirm,
    NoticeAdChanged,
    NoticeAdReread,
    NoticeAdOff,
    AdSignInTitle,
    AdSignInIntro,
    AdConnectionPrompt,
    AdConnectionHint,
    AdContinue,
    AdSignInButton,
    AdRegisterButton,
    AdSwitchButton,
    AdConfirmTitle,
    AdConfirmIntro,
    AdRepostTitle,
    AdRepostIntro,
    AdRepostContinue,
    Plan,
    PlanBasic,
    PlanTrialUntil,
    PlanIsBasic,
    UpgradeIntro,
    UpgradeButton,
    ContractSince,
    ContractDetailsNote,
    CancelWarning,
    CancelConfirm,
    CancelButton,
    AdminTitle,
    UsersTitle,
    InvitationsTitle,
    NoInvitations,
    Resend,
    Withdraw,
    InviteTitle,
    InviteIntro,
    GrantAdmin,
    SendInvitation,
    UserTitle,
    SendChangeTitle,
    SendChangeIntro,
    SendChangeButton,
    EndAllSessions,
    RemoveUser,
    RemoveWarning,
    LinesTitle,
    LinesIntro,
    NoLines,
    AddLine,
    LineNumber,
    LineHint,
    AuditTitle,
    AuditIntro,
    AuditSignInSucceeded,
    AuditSignInFailed,
    AuditAccountLocked,
    AuditAccountUnlocked,
    AuditResetRequested,
    AuditPasswordReset,
    AuditPasswordChanged,
    AuditPasswordRehashed,
    AuditSessionEnded,
    AuditFactorEnrolled,
    AuditFactorPassed,
    AuditFactorFailed,
    AuditRecoveryUsed,
    AuditRecoveryFailed,
    AuditInvitationSent,
    AuditInvitationAccepted,
    AuditEmailChangeRequested,
    AuditEmailChanged,
    AuditMethodChangeRequested,
    AuditMethodChanged,
    AuditAccountRemoved,
    AuditSessionsEnded,
    AuditLineRegistered,
    AuditLineRemoved,
    AuditLineConsent,
    AuditRouteChanged,
    AuditAdEnabled,
    AuditPlanChanged,
    AuditContractCancelled,
    AuditContractDetailsChanged,
    AuditAdChanged,
    AuditAdTurnedOff,
    AuditDirectorySignIn,
    AuditPolicyChanged,
    AuditProviderSignIn,
    AuditOther,
    // The audit log's filter and pages.
    AuditAll,
    AuditFilter,
    AuditOlder,
    AuditNewest,
    AuditNoEvents,
    AuditInvited,
    // The settings menu's groups and ways back.
    SettingsGroupChange,
    SettingsGroupSetUp,
    SettingsGroupContract,
    SettingsOnlyAllowed,
    ToServiceTop,
    NoticeOwnMethodChanged,
    // Contract details and the Basic plan page.
    DetailsIntro,
    DetailsCompany,
    DetailsCompanyHint,
    DetailsDepartment,
    DetailsContactPerson,
    DetailsPhone,
    DetailsPhoneHint,
    DetailsPostalCode,
    DetailsPostalCodeHint,
    DetailsAddress,
    DetailsSave,
    NoticeDetailsChanged,
    PlanBasicAbout,
    PlanToCancellation,
    // An address that names no page.
    NotFoundTitle,
    NotFoundBody,
    UnlockUsedHelp,
    LineRemoveTitle,
    LineRemoveIntro,
    LineRemoveLineOnlyWarning,
    NoticeSignedOut,
    NoticeSignInFirst,
    NoticeSignInExpired,
    NoticePasswordReset,
    NoticeUnlocked,
    NoticeEmailChanged,
    NoticeMethodChanged,
    NoticeCodeSent,
    NoticePasswordChanged,
    NoticeEmailChangeSent,
    NoticeRouteChanged,
    NoticePolicyChanged,
    NoticeAdEnabled,
    NoticePlanUpgraded,
    NoticeCancelled,
    NoticeInvited,
    NoticeInvitationResent,
    NoticeInvitationWithdrawn,
    NoticeEmailChangeMailed,
    NoticeMethodChangeMailed,
    NoticeSessionsEnded,
    NoticeSessionEnded,
    NoticeUserRemoved,
    NoticeLineAdded,
    NoticeLineRemoved,
}

/// A text in a language.
pub fn t(key: T, lang: Lang) -> &'static str {
    match lang {
        Lang::Ja => ja::text(key),
        Lang::En => en::text(key),
    }
}

/// `text` with each `{}` replaced by the next of `args`.
pub fn fill(text: &str, args: &[&str]) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut args = args.iter();
    let mut rest = text;
    while let Some(at) = rest.find("{}") {
        out.push_str(&rest[..at]);
        out.push_str(args.next().copied().unwrap_or(""));
        rest = &rest[at + 2..];
    }
    out.push_str(rest);
    out
}

/// The notices a redirect may name with `?notice=`: only these, never free text.
const NOTICES: &[(&str, T)] = &[
    ("signed_out", T::NoticeSignedOut),
    ("sign_in_first", T::NoticeSignInFirst),
    ("sign_in_expired", T::NoticeSignInExpired),
    ("password_reset", T::NoticePasswordReset),
    ("unlocked", T::NoticeUnlocked),
    ("email_changed", T::NoticeEmailChanged),
    ("method_changed", T::NoticeMethodChanged),
    ("own_method_changed", T::NoticeOwnMethodChanged),
    ("details_changed", T::NoticeDetailsChanged),
    ("code_sent", T::NoticeCodeSent),
    ("password_changed", T::NoticePasswordChanged),
    ("email_change_sent", T::NoticeEmailChangeSent),
    ("route_changed", T::NoticeRouteChanged),
    ("policy_changed", T::NoticePolicyChanged),
    ("ad_enabled", T::NoticeAdEnabled),
    ("ad_changed", T::NoticeAdChanged),
    ("ad_reread", T::NoticeAdReread),
    ("ad_off", T::NoticeAdOff),
    ("plan_upgraded", T::NoticePlanUpgraded),
    ("cancelled", T::NoticeCancelled),
    ("invited", T::NoticeInvited),
    ("invitation_resent", T::NoticeInvitationResent),
    ("invitation_withdrawn", T::NoticeInvitationWithdrawn),
    ("email_change_mailed", T::NoticeEmailChangeMailed),
    ("method_change_mailed", T::NoticeMethodChangeMailed),
    ("sessions_ended", T::NoticeSessionsEnded),
    ("session_ended", T::NoticeSessionEnded),
    ("user_removed", T::NoticeUserRemoved),
    ("line_added", T::NoticeLineAdded),
    ("line_removed", T::NoticeLineRemoved),
];

/// The notice a code names.
pub fn notice(code: &str) -> Option<T> {
    NOTICES.iter().find(|(c, _)| *c == code).map(|(_, t)| *t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_exists_in_both_languages_with_the_same_placeholders() {
        for key in T::ALL {
            let ja = t(*key, Lang::Ja);
            let en = t(*key, Lang::En);
            assert!(!ja.trim().is_empty(), "{key:?} is empty in Japanese");
            assert!(!en.trim().is_empty(), "{key:?} is empty in English");
            assert_eq!(
                ja.matches("{}").count(),
                en.matches("{}").count(),
                "{key:?}: placeholders differ"
            );
        }
    }

    #[test]
    fn japanese_texts_are_japanese() {
        // Names of products stay as they are; everything else is translated.
        let same: Vec<_> = T::ALL
            .iter()
            .filter(|k| t(**k, Lang::Ja) == t(**k, Lang::En))
            .collect();
        assert_eq!(
            same,
            vec![&T::ActiveDirectory, &T::AdProtocolSaml],
            "untranslated: {same:?}"
        );
    }

    #[test]
    fn every_notice_code_is_known_and_distinct() {
        for (code, key) in NOTICES {
            assert_eq!(notice(code), Some(*key));
        }
        assert_eq!(notice("<script>"), None);
        assert_eq!(fill("{} and {}", &["a", "b"]), "a and b");
        assert_eq!(fill("no args", &["a"]), "no args");
    }
}

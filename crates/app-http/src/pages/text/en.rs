//! English page texts.

use super::T;

pub(super) fn text(key: T) -> &'static str {
    match key {
        // Shell and common words
        T::Footer => "tobira — sign-in and account management",
        T::LanguageSwitch => "Language",
        T::BackToStart => "Back to the start page",
        T::Back => "Back",
        T::Cancel => "Cancel",
        T::Confirm => "Confirm",
        T::Continue => "Continue",
        T::Next => "Next",
        T::Save => "Save",
        T::Remove => "Remove",
        T::Actions => "Actions",
        T::ErrorTitle => "Something went wrong",
        T::TooManyRequests => "Too many requests. Please wait a moment and try again.",
        T::CsrfTitle => "This form could not be accepted",
        T::CsrfBody => {
            "The form was sent without its security check, or the check has expired. Go back, reload the page and send the form again. If you did not send this form yourself, you can ignore this page."
        }
        T::BadFormTitle => "The form could not be read",
        T::BadFormBody => "Please go back, reload the page and fill in the form again.",
        T::LinkProblemTitle => "This link cannot be used",
        T::LinkProblemHelp => {
            "Links in our e-mails work once and for a limited time. Ask your administrator (or the contract owner) to send a new one, or start again from the sign-in page."
        }
        // Fields
        T::Email => "E-mail address",
        T::Password => "Password",
        T::NewPassword => "New password",
        T::NewPasswordAgain => "New password (again)",
        T::CurrentPassword => "Current password",
        T::ShowPassword => "Show",
        T::HidePassword => "Hide",
        T::Name => "Name",
        T::SignInId => "Sign-in ID (e-mail address)",
        T::Role => "Role",
        T::RoleOwner => "Contract owner",
        T::RoleAdmin => "Administrator",
        T::RoleUser => "User",
        T::LoginMethod => "Login method",
        T::MethodPassword => "E-mail address and password",
        T::Contract => "Contract",
        T::Status => "Status",
        T::StatusActive => "Active",
        T::StatusCancelled => "Cancelled on {}",
        T::Locked => "Locked",
        T::RegisteredAt => "Registered",
        T::SentAt => "Sent",
        T::When => "When",
        T::Account => "Account",
        T::Event => "Event",
        // Sign-in
        T::SignInTitle => "Sign in",
        T::SettingsSignInTitle => "Sign in to the settings menu",
        T::SettingsSignInIntro => {
            "The authentication and contract settings need their own sign-in, even when you are already signed in to the service."
        }
        T::SignInButton => "Sign in",
        T::ForgotPasswordLink => "Forgot your password?",
        T::ToSettingsSignIn => "Authentication and contract settings",
        T::ToServiceSignIn => "Sign in to the service instead",
        T::OtherMethods => "Other ways to sign in",
        T::ProvidersUnavailable => {
            "The greyed-out services have not been set up and cannot be used yet."
        }
        T::SignInWithProvider => "Sign in with {}",
        T::RegisterWithProvider => "Register with {}",
        T::SwitchToProvider => "Switch to {}",
        T::ProviderReviewIntro => {
            "You are about to register with the details below. Pressing \"{}\" takes you to the sign-in service; registration completes when you have signed in there."
        }
        T::ContinueToProvider => "Register and continue to the sign-in service",
        T::ContinueToProviderTitle => "Taking you to the sign-in service",
        T::ContinueToProviderLink => "If nothing happens, press here",
        T::FederationFailedTitle => "Signing in with the external service failed",
        T::MethodChangedTitle => "Your sign-in method was changed",
        T::MethodChangedBody => "From now on, sign in with your new method.",
        T::ActiveDirectory => "Active Directory",
        T::ConnectionIdIs => "Connection ID of your contract: {}",
        // Second factor
        T::ChooseFactorTitle => "Set up two-step verification",
        T::ChooseFactorIntro => {
            "Your contract requires a second step at sign-in. Choose how you want to receive your codes. You only set this up once."
        }
        T::SmsOption => "Text message (SMS)",
        T::SmsOptionHelp => {
            "We send a 6-character code to your mobile phone each time you sign in."
        }
        T::PhoneNumber => "Mobile phone number",
        T::PhoneHint => "e.g. 090-1234-5678 (a mobile phone that receives SMS)",
        T::SendCode => "Send code",
        T::TotpOption => "Authenticator app",
        T::TotpOptionHelp => {
            "Use an app such as Google Authenticator or Microsoft Authenticator to show a new 6-digit code every 30 seconds."
        }
        T::UseTotp => "Use an authenticator app",
        T::SmsCodeTitle => "Enter the code from the text message",
        T::SmsEnrolCodeIntro => {
            "We sent a code to the number you entered. It is valid for 10 minutes."
        }
        T::SmsChallengeIntro => "We sent a code to {}. It is valid for 10 minutes.",
        T::SmsChallengeIntroPlain => "Enter the code from the text message we sent you.",
        T::Code => "Code",
        T::RememberBrowser => "Remember this browser for 30 days (do not use on shared computers)",
        T::ResendCode => "Send a new code",
        T::UseAnotherNumber => "Use a different number or method",
        T::TotpEnrolTitle => "Set up your authenticator app",
        T::TotpStepInstall => {
            "Install an authenticator app such as Google Authenticator or Microsoft Authenticator on your phone."
        }
        T::TotpStepScan => "In the app, add an account and scan this QR code.",
        T::QrAlt => "QR code to add tobira to your authenticator app",
        T::TotpSecretIntro => "If you cannot scan it, enter this key by hand instead:",
        T::TotpStepCode => "Enter the 6-digit code that the app now shows.",
        T::BackToChoice => "Choose another method",
        T::TotpCodeTitle => "Enter the code from your authenticator app",
        T::TotpChallengeIntro => {
            "Open your authenticator app and enter the 6-digit code it shows for tobira."
        }
        T::LostDeviceLink => "I lost my phone or cannot receive codes",
        T::LostDeviceTitle => "Sign in with your recovery code",
        T::LostDeviceIntro => {
            "Enter the recovery code you saved when you set up two-step verification. After it is used, you get a new one."
        }
        T::RecoveryCode => "Recovery code",
        T::RecoveryCodeHint => {
            "16 letters and digits, as shown (for example ABCD-EFGH-JKLM-NPQR); spaces and hyphens do not matter."
        }
        T::BackToCode => "Back to entering a code",
        T::RecoveryCodeTitle => "Save your recovery code",
        T::RecoveryCodeIntro => {
            "If you lose your phone, this recovery code lets you sign in. Write it down or store it somewhere safe now."
        }
        T::RecoveryCodeWarning => {
            "This code is shown only now. It works once; after you use it you will get a new one."
        }
        T::RecoveryCodeShownBefore => {
            "Your recovery code was shown on the previous page. Confirm that you saved it to continue."
        }
        T::RecoverySaved => "I have saved the recovery code",
        T::LineConsentTitle => "Consent for line information",
        T::LineConsentIntro => {
            "You are signing in over the line {} in the NTT West area for the first time."
        }
        T::LineConsentDetail => {
            "To authenticate you by this line, we receive information about the line from the carrier. Do you agree? You are asked only once for this line."
        }
        T::LineConsentAgree => "Agree and continue",
        // Forgotten password, reset, unlock
        T::ForgotTitle => "Forgotten password",
        T::ForgotIntro => {
            "Enter the e-mail address you sign in with. If it belongs to an account that signs in with a password, we will send a link to set a new password."
        }
        T::SendResetLink => "Send link",
        T::BackToSignIn => "Back to sign-in",
        T::ForgotSentTitle => "Check your e-mail",
        T::ForgotSentBody => {
            "If the address belongs to an account that signs in with a password, we have sent a link to set a new password. The link is valid for 14 days. If no e-mail arrives, check the address and your spam folder."
        }
        T::ResetTitle => "Set a new password",
        T::ResetIntro => {
            "Set a new password for {}. Your account is unlocked, two-step verification is set up again at the next sign-in, and all sessions are signed out."
        }
        T::SetPassword => "Set password",
        T::UnlockTitle => "Unlock your account",
        T::UnlockIntro => {
            "Your account was locked after too many wrong passwords. Press the button to unlock it, then sign in again."
        }
        T::UnlockButton => "Unlock my account",
        // Invitation and links
        T::InvitationTitle => "Complete your registration",
        T::InvitationIntro => {
            "You have been invited to use the service of {}. Choose how you will sign in."
        }
        T::ChooseMethodTitle => "Choose a login method",
        T::ReviewButton => "Review",
        T::ReviewTitle => "Confirm your registration",
        T::ReviewIntro => "Please check the details below. Nothing has been registered yet.",
        T::RegisterButton => "Register",
        T::BackToEdit => "Back to change",
        T::ReviewPasswordNote => {
            "The password you entered will be used (for your safety, it is not shown on this page)."
        }
        T::PasswordKeptNote => {
            "The password you entered is kept: you can go back to the review as it is. To change it, enter a new password."
        }
        T::BackToReview => "Back to the review",
        T::RegisteredTitle => "Registration complete",
        T::RegisteredBody => "Your account is ready. You can now sign in.",
        T::EmailChangeTitle => "Change your e-mail address",
        T::EmailChangeIntro => "Your e-mail address (sign-in ID) will change to {}.",
        T::EmailChangeNeedsPassword => {
            "Please also set a new password. Two-step verification will be set up again at your next sign-in."
        }
        T::CompleteChange => "Complete the change",
        T::MethodChangeTitle => "Change your login method",
        T::MethodChangeIntro => "Choose the new way to sign in for {}.",
        T::SetMethodButton => "Use this login method",
        // Start page and sessions
        T::HomeTitle => "Start page",
        T::HomeIntro => "Welcome, {}.",
        T::SettingsMenuLink => "Authentication and contract settings",
        T::SignOut => "Sign out",
        T::SessionsTitle => "Signed-in devices",
        T::SessionsIntro => {
            "These browsers are signed in to your account. Sign out any you do not recognise."
        }
        T::SessionStarted => "Signed in",
        T::SessionLastSeen => "Last used",
        T::SessionWhere => "From",
        T::SessionBrowser => "Browser",
        T::SettingsScope => "Settings menu",
        T::ThisSession => "This browser",
        T::EndSession => "Sign out",
        T::NoSessions => "No active sessions.",
        // Settings menu
        T::SettingsTitle => "Authentication and contract settings",
        T::SettingsIntro => "Choose what you want to change.",
        T::BackToSettings => "Back to the settings menu",
        T::CurrentSetting => "Current setting",
        T::ItemLoginMethod => "Login method",
        T::ItemEmailChange => "E-mail address",
        T::ItemPasswordChange => "Password",
        T::ItemAccessRoute => "Access route",
        T::ItemTwoFactor => "Two-step verification",
        T::ItemActiveDirectory => "Active Directory",
        T::ItemContract => "Contract details",
        T::ItemPlan => "Plan",
        T::ItemCancel => "Cancel the contract",
        T::PasswordChangeIntro => {
            "Enter your current password and the new one. Your other sessions will be signed out."
        }
        T::ChangePasswordButton => "Change password",
        T::EmailRequestIntro => {
            "Your current address is {}. We will send a confirmation link to the new address; the change takes effect when you open it."
        }
        T::NewEmail => "New e-mail address",
        T::NewEmailAgain => "New e-mail address (again)",
        T::SendConfirmation => "Send confirmation e-mail",
        T::OwnMethodIntro => {
            "Choose how you sign in. Two-step verification will be set up again at your next sign-in."
        }
        T::OwnerNoAd => "The contract owner cannot sign in with Active Directory.",
        T::RouteIntro => {
            "Choose from where the accounts of your contract may sign in. The change applies to everyone at their next sign-in."
        }
        T::RouteLineAndInternet => "Registered lines and the internet",
        T::RouteLineOnly => "Registered lines only",
        T::RouteConfirmTitle => "Confirm the access route",
        T::RouteConfirmIntro => "Change the access route to “{}”?",
        T::RouteLineOnlyWarning => {
            "Nobody can sign in over the internet any more, except you to this settings menu. Check that your line numbers are registered correctly first."
        }
        T::ConfirmChange => "Change",
        T::TwoFactorIntro => {
            "Decide whether accounts that sign in with a password must pass a second step over the internet."
        }
        T::PolicyEnabled => "Required (recommended)",
        T::PolicyDisabled => "Not required",
        T::TwoFactorRisk => {
            "Without two-step verification, anyone who learns a password can sign in. To turn it off, confirm that you understand this risk."
        }
        T::AcknowledgeRisk => "I understand the risk of turning two-step verification off",
        T::AdIntro => {
            "Let your contract's users sign in with Active Directory (ADFS). For SAML 2.0 give the federation metadata URL (or paste the document); for OpenID Connect (ADFS 2016 and later) the discovery URL, client ID and secret. We mail you the sign-in addresses and the connection ID."
        }
        T::AdEnabledIntro => "Active Directory is on for your contract.",
        T::ConnectionId => "Connection ID",
        T::MetadataUrl => "ADFS federation metadata URL",
        T::MetadataUrlHint => "Starts with https://",
        T::EnabledAt => "Turned on",
        T::EnableAd => "Turn on Active Directory",
        T::AdProtocolLegend => "Protocol",
        T::AdProtocolSaml => "SAML 2.0",
        T::AdProtocolOidc => "OpenID Connect (ADFS 2016 and later)",
        T::MetadataXml => "Or paste the metadata document (XML)",
        T::MetadataFile => "Read it from a file (FederationMetadata.xml)",
        T::MetadataXmlHint => "SAML only, instead of a URL. Give one of the two.",
        T::DiscoveryUrlHint => {
            "For OpenID Connect: https://ADFS-HOST/adfs/.well-known/openid-configuration"
        }
        T::AdClientId => "Client ID (OpenID Connect)",
        T::AdClientSecret => "Client secret (OpenID Connect)",
        T::AdClientSecretKeep => "Leave empty to keep the current secret.",
        T::AdSubjectLegend => "Value that identifies a person",
        T::AdSubjectPersistent => "Persistent NameID (OpenID Connect: sub)",
        T::AdSubjectUpn => "UPN (user principal name)",
        T::AdSubjectGuid => "Object GUID",
        T::AdStatus => "Status",
        T::AdStatusOn => "On",
        T::AdStatusOff => "Off",
        T::AdTurnedOffIntro => {
            "Active Directory is turned off: people who sign in with AD cannot sign in. Turning it on again keeps the same connection ID."
        }
        T::AdAddressInternet => "AD sign-in address (internet)",
        T::AdAddressLine => "AD sign-in address (line)",
        T::AdRelyingPartyTitle => "What to register at ADFS",
        T::AdRelyingPartyIntro => {
            "Your ADFS administrator registers a relying party trust (SAML) or an application group (OpenID Connect) with these values."
        }
        T::AdEntityId => "Relying party identifier",
        T::AdAcsInternet => "SAML assertion consumer (internet)",
        T::AdAcsLine => "SAML assertion consumer (line)",
        T::AdRedirectUris => "Redirect URIs (OpenID Connect)",
        T::AdSpMetadata => "Relying party metadata",
        T::AdMetadataReadAt => "Metadata read at",
        T::AdEditTitle => "Change the settings",
        T::AdSave => "Save changes",
        T::AdReread => "Read the metadata again now",
        T::AdRereadHint => {
            "The metadata is read again every day. Right after ADFS's token-signing certificate changes, this button applies it at once."
        }
        T::AdTurnOffTitle => "Turn off",
        T::AdTurnOff => "Turn off Active Directory",
        T::AdTurnOffConfirm => {
            "I understand that people who sign in with AD cannot sign in while it is off"
        }
        T::NoticeAdChanged => "The Active Directory settings were saved.",
        T::NoticeAdReread => "The ADFS metadata was read again.",
        T::NoticeAdOff => "Active Directory was turned off.",
        T::AdSignInTitle => "Sign in with Active Directory",
        T::AdSignInIntro => {
            "You sign in with the Active Directory (ADFS) your administrator set up. Continue to ADFS and sign in with your company account."
        }
        T::AdConnectionPrompt => "Enter the connection ID your administrator gave you.",
        T::AdConnectionHint => "adfs- and 18 letters or digits (any case).",
        T::AdContinue => "Continue to ADFS",
        T::AdSignInButton => "Sign in with Active Directory",
        T::AdRegisterButton => "Register with Active Directory",
        T::AdSwitchButton => "Switch to Active Directory",
        T::AdConfirmTitle => "Confirm the connection ID",
        T::AdConfirmIntro => {
            "This is your contract's connection ID. Check that it is the one your administrator gave you, then continue to ADFS."
        }
        T::AdRepostTitle => "Signing in",
        T::AdRepostIntro => "Checking ADFS's answer. If nothing happens, press the button.",
        T::AdRepostContinue => "Continue",
        T::Plan => "Plan",
        T::PlanBasic => "Basic",
        T::PlanTrialUntil => "Free trial (until {})",
        T::PlanIsBasic => "Your contract is on the Basic plan.",
        T::UpgradeIntro => {
            "Change your free trial to the paid Basic plan to keep using the service after the trial."
        }
        T::UpgradeButton => "Change to Basic",
        T::ContractSince => "Contract since",
        T::ContractDetailsNote => "To change these details, please contact us.",
        T::CancelWarning => {
            "When you cancel the contract, nobody of your contract can sign in any more. This cannot be undone."
        }
        T::CancelConfirm => "I understand and want to cancel the contract",
        T::CancelButton => "Cancel the contract",
        // Admin console
        T::AdminTitle => "Admin console",
        T::UsersTitle => "Users",
        T::InvitationsTitle => "Invitations not yet accepted",
        T::NoInvitations => "There are no open invitations.",
        T::Resend => "Send again",
        T::Withdraw => "Withdraw",
        T::InviteTitle => "Invite a user",
        T::InviteIntro => "We will send an invitation e-mail. The link is valid for 14 days.",
        T::GrantAdmin => "Give administrator rights",
        T::InviteLanguage => "Language of the person invited",
        T::InviteLanguageHint => {
            "The invitation e-mail and the registration pages are shown in this language, and later e-mails are sent in it (the person can change it in their settings)."
        }
        T::LanguageTitle => "Language",
        T::LanguageIntro => {
            "The language of e-mails and text messages to this account, such as notices. The pages switch to it too."
        }
        T::LanguageField => "Language",
        T::LanguageLink => "Language (e-mails and text messages)",
        T::SendInvitation => "Send invitation",
        T::UserTitle => "User",
        T::SendChangeTitle => "Send a change",
        T::SendChangeIntro => {
            "Leave the address as it is to send a login-method change link to the user. Enter a new address to send an e-mail change link to that address."
        }
        T::SendChangeButton => "Send",
        T::EndAllSessions => "Sign out of all sessions",
        T::RemoveUser => "Remove user",
        T::RemoveWarning => "Remove {} ({})? Their sessions end at once. This cannot be undone.",
        T::LinesTitle => "Line numbers",
        T::LinesIntro => "Lines registered here can sign in without a second step.",
        T::NoLines => "No lines are registered.",
        T::AddLine => "Register a line",
        T::LineNumber => "Line number",
        T::LineHint => "CAF followed by 10 letters or digits, or COP followed by 8.",
        T::AuditTitle => "Audit log",
        T::AuditIntro => {
            "The events of your contract, newest first (times in UTC). Filter them by account and kind."
        }
        T::AuditSignInSucceeded => "Signed in",
        T::AuditSignInFailed => "Sign-in failed",
        T::AuditAccountLocked => "Account locked",
        T::AuditAccountUnlocked => "Account unlocked",
        T::AuditResetRequested => "Password reset requested",
        T::AuditPasswordReset => "Password reset",
        T::AuditPasswordChanged => "Password changed",
        T::AuditPasswordRehashed => "Password storage upgraded",
        T::AuditSessionEnded => "Signed out",
        T::AuditFactorEnrolled => "Two-step verification set up",
        T::AuditFactorPassed => "Second step passed",
        T::AuditFactorFailed => "Second step failed",
        T::AuditRecoveryUsed => "Recovery code used",
        T::AuditRecoveryFailed => "Wrong recovery code",
        T::AuditInvitationSent => "Invitation sent",
        T::AuditInvitationAccepted => "Invitation accepted",
        T::AuditEmailChangeRequested => "E-mail change requested",
        T::AuditEmailChanged => "E-mail address changed",
        T::AuditMethodChangeRequested => "Login-method change sent",
        T::AuditMethodChanged => "Login method changed",
        T::AuditAccountRemoved => "Account removed",
        T::AuditSessionsEnded => "All sessions ended",
        T::AuditLineRegistered => "Line registered",
        T::AuditLineRemoved => "Line removed",
        T::AuditLineConsent => "Line consent given",
        T::AuditRouteChanged => "Access route changed",
        T::AuditAdEnabled => "Active Directory turned on",
        T::AuditPlanChanged => "Plan changed",
        T::AuditContractCancelled => "Contract cancelled",
        T::AuditContractDetailsChanged => "Contract details changed",
        T::AuditAdChanged => "Active Directory settings changed",
        T::AuditAdTurnedOff => "Active Directory turned off",
        T::AuditDirectorySignIn => "Active Directory sign-in",
        T::AuditPolicyChanged => "Two-step verification policy changed",
        T::AuditProviderSignIn => "Sign-in at an external provider",
        T::AuditOther => "Other event",
        T::AuditAll => "All",
        T::AuditFilter => "Filter",
        T::AuditOlder => "Older events",
        T::AuditNewest => "Back to the newest",
        T::AuditNoEvents => "No events match.",
        T::AuditInvited => "invited",
        T::SettingsGroupChange => "Change your credentials",
        T::SettingsGroupSetUp => "Set up authentication",
        T::SettingsGroupContract => "Change the contract",
        T::SettingsOnlyAllowed => "Only the items this account may use are shown.",
        T::ToServiceTop => "To the service's top page",
        T::DetailsIntro => {
            "Change the details of your contract. The contract owner gets an e-mail about each change."
        }
        T::DetailsCompany => "Company name",
        T::DetailsCompanyHint => {
            "The contract's name: it appears in e-mails and is checked against passwords."
        }
        T::DetailsDepartment => "Department (optional)",
        T::DetailsContactPerson => "Contact person",
        T::DetailsPhone => "Phone number",
        T::DetailsPhoneHint => "e.g. 03-1234-5678",
        T::DetailsPostalCode => "Postal code",
        T::DetailsPostalCodeHint => "e.g. 100-0001",
        T::DetailsAddress => "Address",
        T::DetailsSave => "Save the changes",
        T::NoticeDetailsChanged => "The contract details have been changed.",
        T::PlanBasicAbout => {
            "The Basic plan is the paid plan: every item of the settings menu is available. It continues until you cancel it."
        }
        T::PlanToCancellation => "To cancellation",
        T::NotFoundTitle => "Page not found",
        T::NotFoundBody => {
            "There is no page at this address. Check the address, or continue from the top page."
        }
        T::UnlockUsedHelp => {
            "This link has already unlocked the account: sign in from the sign-in page. If you do not know the password, or the account was locked again, reset it with \"Forgot your password?\"."
        }
        T::LineRemoveTitle => "Remove a line number",
        T::LineRemoveIntro => {
            "The line number {} will be removed: signing in from this line will need two-step verification."
        }
        T::LineRemoveLineOnlyWarning => {
            "The access route is \"registered lines only\": whoever uses this line can no longer sign in, and with no line left nobody can. Then the contract owner signs in to the settings menu over the internet and changes the access route back."
        }
        T::NoticeOwnMethodChanged => {
            "Your login method has changed. From your next sign-in on, use the new method."
        }
        // Notices after a redirect
        T::NoticeSignedOut => "You have signed out.",
        T::NoticeSignInFirst => "Please sign in first.",
        T::NoticeSignInExpired => "The sign-in has expired. Please sign in again.",
        T::NoticePasswordReset => "Your new password is set. Please sign in.",
        T::NoticeUnlocked => "Your account is unlocked. Please sign in.",
        T::NoticeEmailChanged => {
            "Your e-mail address has changed. Please sign in with the new address."
        }
        T::NoticeMethodChanged => "Your login method has changed. Please sign in again.",
        T::NoticeCodeSent => "A new code has been sent.",
        T::NoticePasswordChanged => "Your password has changed.",
        T::NoticeEmailChangeSent => "We have sent a confirmation link to the new address.",
        T::NoticeRouteChanged => "The access route has changed.",
        T::NoticePolicyChanged => "The two-step verification setting has changed.",
        T::NoticeAdEnabled => {
            "Active Directory is on. The sign-in addresses and connection ID have been sent to you by e-mail."
        }
        T::NoticePlanUpgraded => "Your contract is now on the Basic plan.",
        T::NoticeCancelled => "Your contract has been cancelled.",
        T::NoticeInvited => "The invitation has been sent.",
        T::NoticeLanguageChanged => "The language has been changed.",
        T::NoticeInvitationResent => "The invitation has been sent again.",
        T::NoticeInvitationWithdrawn => "The invitation has been withdrawn.",
        T::NoticeEmailChangeMailed => "An e-mail change link has been sent to the new address.",
        T::NoticeMethodChangeMailed => "A login-method change link has been sent to the user.",
        T::NoticeSessionsEnded => "All sessions of the user have ended.",
        T::NoticeSessionEnded => "The session has been signed out.",
        T::NoticeUserRemoved => "The user has been removed.",
        T::NoticeLineAdded => "The line has been registered.",
        T::NoticeLineRemoved => "The line has been removed.",
    }
}

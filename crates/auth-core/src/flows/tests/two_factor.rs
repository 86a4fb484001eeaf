#[allow(unused_imports)]
use crate::ports::{
    AccountStore as _, Clock as _, OutboxStore as _, SessionStore as _, TicketStore as _,
    TwoFactorStore as _,
};

use std::sync::Arc;

use chrono::Duration;

use super::{client, last_link, try_sign_in};
use crate::domain::{
    Account, Channel, ClientInfo, LOCK_THRESHOLD, LineNumber, PasswordCandidate, Plan,
    RecoveryCode, Role, SMS_DAILY_CAP, SecretToken, SessionScope, TicketPurpose, TwoFactorPolicy,
    totp_code_at,
};
use crate::flows::signin::{PasswordSignIn, SignInOutcome};
use crate::flows::two_factor::{Completed, PendingGrant, SecondFactorStep, TwoFactorError};
use crate::testing::{MemoryStore, TestWorld};

const EMAIL: &str = "owner@example.co.jp";
const PASSWORD: &str = "Kumo-2024";

type World = TestWorld<MemoryStore>;

/// A Basic contract with the default policy (two-factor on) and its password owner.
async fn world() -> (World, Account) {
    let w = TestWorld::new();
    let contract = w.contract("雲商事", Plan::Basic).await;
    let owner = w
        .account(&contract, EMAIL, Role::Owner, Some(PASSWORD))
        .await;
    (w, owner)
}

async fn password_step(w: &World, remembered: Option<&SecretToken>) -> PendingGrant {
    match w
        .auth
        .sign_in_with_password(PasswordSignIn {
            email: EMAIL,
            password: PasswordCandidate::new(PASSWORD),
            client: client(),
            scope: SessionScope::Service,
            remembered_browser: remembered.cloned(),
        })
        .await
    {
        Ok(SignInOutcome::SecondFactorRequired(p)) => p,
        other => panic!("expected a second-factor step, got {other:?}"),
    }
}

/// Enrols the authenticator; returns its base32 secret and the recovery code.
async fn enrol_totp(
    w: &World,
    pending: &PendingGrant,
    remember: bool,
) -> (crate::domain::TotpSecret, RecoveryCode, SecretToken) {
    let offer = w.auth.offer_totp(&pending.token).await.unwrap();
    let bytes = data_encoding::BASE32_NOPAD
        .decode(offer.secret_text.as_bytes())
        .unwrap();
    let secret = crate::domain::TotpSecret::from_bytes(&bytes);
    let code = totp_code_at(&secret, w.clock.now());
    let shown = w
        .auth
        .finish_enrolment(&pending.token, &code, remember)
        .await
        .unwrap();
    (secret, shown.code, shown.pending)
}

async fn enrolled_totp_owner(
    remember: bool,
) -> (
    World,
    Account,
    crate::domain::TotpSecret,
    RecoveryCode,
    Completed,
) {
    let (w, owner) = world().await;
    let pending = password_step(&w, None).await;
    assert_eq!(pending.step, SecondFactorStep::Enrol);
    let (secret, recovery, pending) = enrol_totp(&w, &pending, remember).await;
    let done = w
        .auth
        .confirm_recovery_code_saved(&pending, true)
        .await
        .unwrap();
    (w, owner, secret, recovery, done)
}

#[tokio::test]
async fn l6_an_internet_sign_in_under_the_enabled_policy_needs_a_second_factor() {
    let (w, _) = world().await;
    let pending = password_step(&w, None).await;
    // X8: the pending token opens nothing.
    assert!(
        w.auth
            .authenticate(
                &pending.token,
                SessionScope::Service,
                crate::domain::ChannelKind::Internet
            )
            .await
            .is_err()
    );
    assert!(
        w.auth
            .authenticate(
                &pending.token,
                SessionScope::Settings,
                crate::domain::ChannelKind::Internet
            )
            .await
            .is_err()
    );
}

#[tokio::test]
async fn l6_no_second_factor_when_the_policy_is_disabled_or_over_a_line() {
    let (w, owner) = world().await;
    w.store
        .set_two_factor_policy(owner.contract, TwoFactorPolicy::Disabled)
        .await
        .unwrap();
    assert!(matches!(
        try_sign_in(&w, EMAIL, PASSWORD).await,
        Ok(SignInOutcome::SignedIn(_))
    ));
    w.store
        .set_two_factor_policy(owner.contract, TwoFactorPolicy::Enabled)
        .await
        .unwrap();
    crate::ports::ContractStore::add_line(
        w.store.as_ref(),
        owner.contract,
        &LineNumber::parse("CAF1234567890").unwrap(),
    )
    .await
    .unwrap();
    let over_line = w
        .auth
        .sign_in_with_password(PasswordSignIn {
            email: EMAIL,
            password: PasswordCandidate::new(PASSWORD),
            client: ClientInfo {
                channel: Channel::Line(LineNumber::parse("CAF1234567890").unwrap()),
                address: None,
                user_agent: None,
            },
            scope: SessionScope::Service,
            remembered_browser: None,
        })
        .await;
    assert!(matches!(over_line, Ok(SignInOutcome::SignedIn(_))));
}

#[tokio::test]
async fn t1_t2_t3_authenticator_enrolment_shows_a_recovery_code_that_must_be_confirmed() {
    let (w, owner) = world().await;
    let pending = password_step(&w, None).await;
    let offer = w.auth.offer_totp(&pending.token).await.unwrap();
    // Asking again shows the same secret.
    assert_eq!(
        w.auth.offer_totp(&pending.token).await.unwrap().secret_text,
        offer.secret_text
    );
    assert!(offer.otpauth_uri.starts_with("otpauth://totp/"));
    assert!(
        w.auth
            .finish_enrolment(&pending.token, "000000", false)
            .await
            .is_err()
    );
    let (_, recovery, next) = enrol_totp(&w, &pending, false).await;
    assert_eq!(recovery.display().len(), 19);
    assert_eq!(
        w.auth.second_factor_step(&next).await.unwrap(),
        SecondFactorStep::ConfirmRecoveryCode
    );
    assert_eq!(
        w.auth
            .confirm_recovery_code_saved(&next, false)
            .await
            .unwrap_err(),
        TwoFactorError::RecoveryCodeNotConfirmed
    );
    // Until confirmed, every visit of the step can show the code again, to this browser only:
    // it is sealed for the token that replaced the one presented at enrolment.
    for _ in 0..2 {
        let again = w.auth.unconfirmed_recovery_code(&next).await;
        assert_eq!(again.unwrap().unwrap().expose(), recovery.expose());
    }
    let kept = w.store.pending(next.hash()).await.unwrap().unwrap();
    assert!(!format!("{kept:?}").contains(recovery.expose()));
    assert_eq!(
        w.auth
            .unconfirmed_recovery_code(&pending.token)
            .await
            .unwrap_err(),
        TwoFactorError::NoPendingSignIn,
        "the token presented before enrolment reads nothing"
    );
    // The token presented before enrolment no longer works (the pending token is replaced at
    // every step).
    assert_eq!(
        w.auth
            .confirm_recovery_code_saved(&pending.token, true)
            .await
            .unwrap_err(),
        TwoFactorError::NoPendingSignIn
    );
    let done = w
        .auth
        .confirm_recovery_code_saved(&next, true)
        .await
        .unwrap();
    assert_eq!(done.session.session.account, owner.id);
    assert_eq!(
        w.auth.unconfirmed_recovery_code(&next).await.unwrap_err(),
        TwoFactorError::NoPendingSignIn,
        "gone once confirmed"
    );
    // T3: only a hash of the recovery code is stored.
    let enrolment = w.store.enrolment(owner.id).await.unwrap().unwrap();
    assert!(!enrolment.recovery_hash.as_phc().contains(recovery.expose()));
    // The pending token is spent.
    assert_eq!(
        w.auth
            .confirm_recovery_code_saved(&next, true)
            .await
            .unwrap_err(),
        TwoFactorError::NoPendingSignIn
    );
}

#[tokio::test]
async fn t2_sms_enrolment_sends_a_code_to_the_number_given() {
    let (w, owner) = world().await;
    let pending = password_step(&w, None).await;
    let refused = w.auth.enrol_sms(&pending.token, "03-1234-5678").await;
    assert!(matches!(refused, Err(TwoFactorError::InvalidPhone(_))));
    assert!(refused.unwrap_err().to_string().contains("070"));
    let sent = w
        .auth
        .enrol_sms(&pending.token, "090-1234-5678")
        .await
        .unwrap();
    assert_eq!(sent.masked_phone, "********5678");
    let (to, msg) = w.sms.sent().pop().unwrap();
    assert_eq!(to.as_e164(), "+819012345678");
    assert_eq!(msg.code.expose().len(), 6);
    let shown = w
        .auth
        .finish_enrolment(&pending.token, msg.code.expose(), false)
        .await
        .unwrap();
    w.auth
        .confirm_recovery_code_saved(&shown.pending, true)
        .await
        .unwrap();
    // T4: the next sign-in challenges by SMS, sending the code itself.
    let next = password_step(&w, None).await;
    assert_eq!(
        next.step,
        SecondFactorStep::Sms {
            masked_phone: "********5678".into(),
            code_sent: true
        }
    );
    let code = w.sms.last_code().unwrap();
    let done = w
        .auth
        .answer_challenge(&next.token, &code, false)
        .await
        .unwrap();
    assert_eq!(done.session.session.account, owner.id);
}

#[tokio::test]
async fn t4_later_sign_ins_challenge_the_authenticator() {
    let (w, owner, secret, _, done) = enrolled_totp_owner(false).await;
    w.auth
        .sign_out(&done.session.token, &client())
        .await
        .unwrap();
    w.clock.advance(Duration::seconds(60));
    let pending = password_step(&w, None).await;
    assert_eq!(pending.step, SecondFactorStep::Totp);
    let code = totp_code_at(&secret, w.clock.now());
    let done = w
        .auth
        .answer_challenge(&pending.token, &code, false)
        .await
        .unwrap();
    assert_eq!(done.session.session.account, owner.id);
}

#[tokio::test]
async fn t7_a_totp_code_is_never_accepted_twice_for_the_same_step() {
    let (w, _, secret, _, _) = enrolled_totp_owner(false).await;
    w.clock.advance(Duration::seconds(30));
    let code = totp_code_at(&secret, w.clock.now());
    let first = password_step(&w, None).await;
    w.auth
        .answer_challenge(&first.token, &code, false)
        .await
        .unwrap();
    let second = password_step(&w, None).await;
    assert_eq!(
        w.auth
            .answer_challenge(&second.token, &code, false)
            .await
            .unwrap_err(),
        TwoFactorError::WrongCode
    );
    // The enrolment step itself was spent too: its code cannot sign in again.
    w.clock.advance(Duration::seconds(30));
    let fresh = totp_code_at(&secret, w.clock.now());
    w.auth
        .answer_challenge(&second.token, &fresh, false)
        .await
        .unwrap();
}

#[tokio::test]
async fn t7_sms_codes_expire_allow_five_wrong_tries_and_resend_once_a_minute() {
    let (w, _) = world().await;
    let pending = password_step(&w, None).await;
    w.auth
        .enrol_sms(&pending.token, "08012345678")
        .await
        .unwrap();
    assert_eq!(
        w.auth.resend_sms(&pending.token).await.unwrap_err(),
        TwoFactorError::ResendTooSoon
    );
    for _ in 0..5 {
        assert_eq!(
            w.auth
                .finish_enrolment(&pending.token, "999999x", false)
                .await
                .unwrap_err(),
            TwoFactorError::WrongCode
        );
    }
    let code = w.sms.last_code().unwrap();
    assert_eq!(
        w.auth
            .finish_enrolment(&pending.token, &code, false)
            .await
            .unwrap_err(),
        TwoFactorError::CodeSpent
    );
    w.clock.advance(Duration::minutes(1));
    w.auth.resend_sms(&pending.token).await.unwrap();
    let code = w.sms.last_code().unwrap();
    w.clock.advance(Duration::minutes(10));
    assert!(
        w.auth
            .finish_enrolment(&pending.token, &code, false)
            .await
            .is_err(),
        "expired after 10 minutes (or the pending sign-in did)"
    );
}

#[tokio::test]
async fn t5_a_lost_device_is_recovered_once_and_a_new_code_is_issued() {
    let (w, owner, _, recovery, _) = enrolled_totp_owner(false).await;
    let pending = password_step(&w, None).await;
    // With or without separators, any case.
    let typed = recovery.display().replace('-', " ").to_lowercase();
    let shown = w
        .auth
        .use_recovery_code(&pending.token, &typed)
        .await
        .unwrap();
    let fresh = shown.code;
    assert_ne!(fresh.expose(), recovery.expose());
    let done = w
        .auth
        .confirm_recovery_code_saved(&shown.pending, true)
        .await
        .unwrap();
    assert_eq!(done.session.session.account, owner.id);
    let again = password_step(&w, None).await;
    assert_eq!(
        w.auth
            .use_recovery_code(&again.token, recovery.expose())
            .await
            .unwrap_err(),
        TwoFactorError::WrongCode
    );
    // The stored hash itself is never accepted as a code.
    let stored = w
        .store
        .enrolment(owner.id)
        .await
        .unwrap()
        .unwrap()
        .recovery_hash;
    assert!(
        w.auth
            .use_recovery_code(&again.token, stored.as_phc())
            .await
            .is_err()
    );
    w.auth
        .use_recovery_code(&again.token, &fresh.display())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn t5_concurrent_uses_of_one_recovery_code_let_exactly_one_win() {
    let (w, _, _, recovery, _) = enrolled_totp_owner(false).await;
    let w = Arc::new(w);
    let mut pendings = Vec::new();
    for _ in 0..10 {
        pendings.push(password_step(&w, None).await.token);
    }
    let tasks: Vec<_> = pendings
        .into_iter()
        .map(|token| {
            let w = w.clone();
            let code = recovery.expose().to_owned();
            tokio::spawn(async move { w.auth.use_recovery_code(&token, &code).await })
        })
        .collect();
    let mut wins = 0;
    for t in tasks {
        if t.await.unwrap().is_ok() {
            wins += 1;
        }
    }
    assert_eq!(wins, 1);
}

#[tokio::test]
async fn l6_a_remembered_browser_skips_the_second_factor_for_thirty_sliding_days() {
    let (w, owner, _, _, done) = enrolled_totp_owner(true).await;
    let device = done.remembered_browser.expect("a device token");
    for _ in 0..3 {
        w.clock.advance(Duration::days(29));
        let r = w
            .auth
            .sign_in_with_password(PasswordSignIn {
                email: EMAIL,
                password: PasswordCandidate::new(PASSWORD),
                client: client(),
                scope: SessionScope::Service,
                remembered_browser: Some(device.clone()),
            })
            .await;
        assert!(
            matches!(r, Ok(SignInOutcome::SignedIn(_))),
            "the window slides with each use"
        );
    }
    w.clock.advance(Duration::days(30));
    let lapsed = password_step(&w, Some(&device)).await;
    assert_eq!(lapsed.step, SecondFactorStep::Totp);
    // A device token of one account gives no skip to another.
    let other = w
        .account(
            &w.store.contract(owner.contract).await.unwrap().unwrap(),
            "user@example.co.jp",
            Role::User,
            Some(PASSWORD),
        )
        .await;
    let r = w
        .auth
        .sign_in_with_password(PasswordSignIn {
            email: other.email.as_str(),
            password: PasswordCandidate::new(PASSWORD),
            client: client(),
            scope: SessionScope::Service,
            remembered_browser: Some(device),
        })
        .await;
    assert!(matches!(r, Ok(SignInOutcome::SecondFactorRequired(_))));
}

#[tokio::test]
async fn t6_a_password_reset_clears_the_enrolment_recovery_code_and_remembered_browsers() {
    let (w, owner, secret, recovery, done) = enrolled_totp_owner(true).await;
    let device = done.remembered_browser.unwrap();
    w.auth
        .request_password_reset(EMAIL, &client())
        .await
        .unwrap();
    w.auth.process_reset_requests(100).await.unwrap();
    let link = last_link(&w, TicketPurpose::PasswordReset);
    w.auth
        .reset_password(
            &link,
            PASSWORD.replace("2024", "2031x").as_str(),
            PASSWORD.replace("2024", "2031x").as_str(),
            &client(),
        )
        .await
        .unwrap();
    assert!(w.store.enrolment(owner.id).await.unwrap().is_none());
    let again = password_step_with(&w, "Kumo-2031x", Some(&device)).await;
    assert_eq!(
        again.step,
        SecondFactorStep::Enrol,
        "the next sign-in enrols afresh; the device token no longer skips"
    );
    assert_eq!(
        w.auth
            .use_recovery_code(&again.token, recovery.expose())
            .await
            .unwrap_err(),
        TwoFactorError::WrongStep
    );
    w.clock.advance(Duration::seconds(30));
    assert!(
        w.auth
            .answer_challenge(&again.token, &totp_code_at(&secret, w.clock.now()), false)
            .await
            .is_err()
    );
}

async fn password_step_with(
    w: &World,
    password: &str,
    remembered: Option<&SecretToken>,
) -> PendingGrant {
    match w
        .auth
        .sign_in_with_password(PasswordSignIn {
            email: EMAIL,
            password: PasswordCandidate::new(password),
            client: client(),
            scope: SessionScope::Service,
            remembered_browser: remembered.cloned(),
        })
        .await
    {
        Ok(SignInOutcome::SecondFactorRequired(p)) => p,
        other => panic!("expected a second-factor step, got {other:?}"),
    }
}

#[tokio::test]
async fn t8_only_the_owner_sets_the_policy_and_turning_it_off_needs_acknowledgement() {
    let (w, owner, _, _, done) = enrolled_totp_owner(false).await;
    let me = w
        .auth
        .authenticate(
            &done.session.token,
            SessionScope::Service,
            crate::domain::ChannelKind::Internet,
        )
        .await
        .unwrap();
    assert_eq!(
        w.auth
            .set_two_factor_policy(&me, TwoFactorPolicy::Disabled, false, &client())
            .await
            .unwrap_err(),
        TwoFactorError::AcknowledgementRequired
    );
    w.auth
        .set_two_factor_policy(&me, TwoFactorPolicy::Disabled, true, &client())
        .await
        .unwrap();
    assert_eq!(
        w.store
            .contract(owner.contract)
            .await
            .unwrap()
            .unwrap()
            .two_factor,
        TwoFactorPolicy::Disabled
    );
    // A user (even an admin) may not.
    let contract = w.store.contract(owner.contract).await.unwrap().unwrap();
    w.account(
        &contract,
        "admin@example.co.jp",
        Role::Admin,
        Some(PASSWORD),
    )
    .await;
    let admin = match try_sign_in(&w, "admin@example.co.jp", PASSWORD)
        .await
        .unwrap()
    {
        SignInOutcome::SignedIn(g) => g,
        other @ SignInOutcome::SecondFactorRequired(_) => panic!("{other:?}"),
    };
    let admin_session = w
        .auth
        .authenticate(
            &admin.token,
            SessionScope::Service,
            crate::domain::ChannelKind::Internet,
        )
        .await
        .unwrap();
    assert_eq!(
        w.auth
            .set_two_factor_policy(&admin_session, TwoFactorPolicy::Enabled, false, &client())
            .await
            .unwrap_err(),
        TwoFactorError::NotPermitted
    );
}

#[tokio::test]
async fn l2_wrong_second_factors_count_toward_the_lock() {
    let (w, owner, _, _, _) = enrolled_totp_owner(false).await;
    let pending = password_step(&w, None).await;
    for _ in 0..LOCK_THRESHOLD {
        assert_eq!(
            w.auth
                .answer_challenge(&pending.token, "000000", false)
                .await
                .unwrap_err(),
            TwoFactorError::WrongCode
        );
    }
    let stored = w.store.account(owner.id).await.unwrap().unwrap();
    assert!(stored.lock.is_locked());
    assert_eq!(
        w.auth
            .answer_challenge(&pending.token, "000000", false)
            .await
            .unwrap_err(),
        TwoFactorError::NoPendingSignIn
    );
}

#[tokio::test]
async fn x1_a_wrong_enrolment_code_is_audited_as_a_wrong_second_factor_not_a_wrong_password() {
    use crate::domain::{AuditKind, SecondFactorKind, SignInFailure};
    let (w, _) = world().await;
    let pending = password_step(&w, None).await;
    w.auth.offer_totp(&pending.token).await.unwrap();
    assert_eq!(
        w.auth
            .finish_enrolment(&pending.token, "000000", false)
            .await
            .unwrap_err(),
        TwoFactorError::WrongCode
    );
    let kinds: Vec<AuditKind> = w.audit.events().into_iter().map(|e| e.kind).collect();
    assert!(kinds.contains(&AuditKind::SecondFactorFailed {
        kind: SecondFactorKind::Totp
    }));
    assert!(kinds.contains(&AuditKind::SignInFailed {
        reason: SignInFailure::WrongSecondFactor
    }));
    assert!(
        !kinds.contains(&AuditKind::SignInFailed {
            reason: SignInFailure::WrongPassword
        }),
        "{kinds:?}"
    );
}

#[tokio::test]
async fn x8_a_pending_sign_in_expires_after_ten_minutes() {
    let (w, _, secret, _, _) = enrolled_totp_owner(false).await;
    let pending = password_step(&w, None).await;
    w.clock.advance(Duration::minutes(10));
    let code = totp_code_at(&secret, w.clock.now());
    assert_eq!(
        w.auth
            .answer_challenge(&pending.token, &code, false)
            .await
            .unwrap_err(),
        TwoFactorError::NoPendingSignIn
    );
}

#[tokio::test]
async fn x5_sms_sends_are_capped_per_account_per_day() {
    let (w, _) = world().await;
    let pending = password_step(&w, None).await;
    w.auth
        .enrol_sms(&pending.token, "09011112222")
        .await
        .unwrap();
    for _ in 1..SMS_DAILY_CAP {
        w.clock.advance(Duration::minutes(1));
        let p = password_step(&w, None).await;
        w.auth.enrol_sms(&p.token, "09011112222").await.unwrap();
    }
    w.clock.advance(Duration::minutes(1));
    let p = password_step(&w, None).await;
    assert_eq!(
        w.auth.enrol_sms(&p.token, "09033334444").await.unwrap_err(),
        TwoFactorError::SmsLimitReached
    );
    w.clock.advance(Duration::hours(24));
    let p = password_step(&w, None).await;
    w.auth.enrol_sms(&p.token, "09033334444").await.unwrap();
}

/// The whole walk of a password account: password → enrol TOTP → recovery code → sign-out →
/// sign in with TOTP → sign in with the recovery code → the new code works, the old does not.
#[tokio::test]
async fn t5_complete_walk_through_enrolment_challenge_and_recovery() {
    let (w, _, secret, first_code, done) = enrolled_totp_owner(false).await;
    w.auth
        .sign_out(&done.session.token, &client())
        .await
        .unwrap();
    w.clock.advance(Duration::seconds(30));
    let p = password_step(&w, None).await;
    let done = w
        .auth
        .answer_challenge(&p.token, &totp_code_at(&secret, w.clock.now()), false)
        .await
        .unwrap();
    w.auth
        .sign_out(&done.session.token, &client())
        .await
        .unwrap();
    let p = password_step(&w, None).await;
    let shown = w
        .auth
        .use_recovery_code(&p.token, &first_code.display())
        .await
        .unwrap();
    let second_code = shown.code;
    let done = w
        .auth
        .confirm_recovery_code_saved(&shown.pending, true)
        .await
        .unwrap();
    w.auth
        .sign_out(&done.session.token, &client())
        .await
        .unwrap();
    let p = password_step(&w, None).await;
    assert_eq!(
        w.auth
            .use_recovery_code(&p.token, &first_code.display())
            .await
            .unwrap_err(),
        TwoFactorError::WrongCode
    );
    let shown = w
        .auth
        .use_recovery_code(&p.token, &second_code.display())
        .await
        .unwrap();
    assert!(
        w.auth
            .confirm_recovery_code_saved(&shown.pending, true)
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn l2_a_known_password_gives_no_fresh_guesses_at_the_second_factor() {
    let (w, owner, _, _, _) = enrolled_totp_owner(false).await;
    // Rounds of "right password, then wrong codes": the password step must not reset the count.
    let mut wrong = 0;
    for _ in 0..3 {
        let Ok(p) = w
            .auth
            .sign_in_with_password(PasswordSignIn {
                email: EMAIL,
                password: PasswordCandidate::new(PASSWORD),
                client: client(),
                scope: SessionScope::Service,
                remembered_browser: None,
            })
            .await
        else {
            break;
        };
        let SignInOutcome::SecondFactorRequired(p) = p else {
            panic!("a second factor is needed")
        };
        for _ in 0..4 {
            let _ = w.auth.answer_challenge(&p.token, "000000", false).await;
            wrong += 1;
        }
    }
    assert!(wrong >= crate::domain::LOCK_THRESHOLD);
    assert!(
        w.store
            .account(owner.id)
            .await
            .unwrap()
            .unwrap()
            .lock
            .is_locked()
    );
}

/// A hasher that lets a password reset happen while a verification is in flight.
struct ResetDuringVerify {
    inner: Arc<crate::testing::FastHasher>,
    during:
        std::sync::Mutex<Option<std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>>>,
}

#[async_trait::async_trait]
impl crate::ports::PasswordHasher for ResetDuringVerify {
    async fn hash(
        &self,
        p: &crate::domain::Password,
    ) -> Result<crate::domain::PasswordHash, crate::ports::HashError> {
        self.inner.hash(p).await
    }
    async fn verify(
        &self,
        c: &PasswordCandidate,
        h: &crate::domain::PasswordHash,
    ) -> Result<crate::ports::Verification, crate::ports::HashError> {
        let result = self.inner.verify(c, h).await;
        let pending = self.during.lock().unwrap().take();
        if let Some(reset) = pending {
            reset.await;
        }
        result
    }
    async fn verify_dummy(&self, c: &PasswordCandidate) -> Result<(), crate::ports::HashError> {
        self.inner.verify_dummy(c).await
    }
}

#[tokio::test]
async fn p3_a_sign_in_checked_against_a_replaced_password_goes_no_further() {
    let (w, owner) = world().await;
    // The attacker knows the old password; the owner resets it while the attacker's sign-in
    // is being checked.
    w.auth
        .request_password_reset(EMAIL, &client())
        .await
        .unwrap();
    w.auth.process_reset_requests(100).await.unwrap();
    let link = last_link(&w, TicketPurpose::PasswordReset);
    let victim = w.auth.clone();
    let reset: std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> =
        Box::pin(async move {
            victim
                .reset_password(&link, "Hanami-2031", "Hanami-2031", &client())
                .await
                .unwrap();
        });
    let hasher = Arc::new(ResetDuringVerify {
        inner: w.hasher.clone(),
        during: std::sync::Mutex::new(Some(reset)),
    });
    let attacker = crate::flows::Auth::new(
        crate::flows::Ports {
            store: w.store.clone(),
            hasher,
            clock: w.clock.clone(),
            secrets: w.secrets.clone(),
            audit: w.audit.clone(),
            sms: w.sms.clone(),
        },
        crate::flows::Settings::default(),
    );
    let r = attacker
        .sign_in_with_password(PasswordSignIn {
            email: EMAIL,
            password: PasswordCandidate::new(PASSWORD),
            client: client(),
            scope: SessionScope::Service,
            remembered_browser: None,
        })
        .await;
    assert!(
        matches!(
            r,
            Err(crate::flows::signin::SignInError::InvalidCredentials)
        ),
        "{r:?}"
    );
    assert!(try_sign_in(&w, EMAIL, "Hanami-2031").await.is_ok());
    let _ = owner;
}

#[allow(unused_imports)]
use crate::ports::{
    AccountStore as _, Clock as _, ContractStore as _, SessionStore as _, TwoFactorStore as _,
};

use chrono::Duration;

use super::{client, saml_settings, session_of, try_sign_in};
use crate::domain::{
    AdFieldError, CONNECTION_ID_ALPHABET, CONNECTION_ID_SUFFIX_LEN, ConnectionId, MailKind,
    PasswordCandidate, Plan, Role, SessionScope, SettingsItem, TwoFactorPolicy,
};
use crate::flows::directory::AdSetupError;
use crate::flows::settings::SettingsError;
use crate::flows::signin::{PasswordSignIn, SignInError, SignInOutcome};
use crate::testing::{MemoryStore, TestWorld};

const PW: &str = "Kumo-2024";

async fn trial_owner(w: &TestWorld<MemoryStore>) -> crate::domain::Contract {
    let trial = w
        .contract(
            "試用会社",
            Plan::FreeTrial {
                started_at: w.clock.now(),
            },
        )
        .await;
    w.store
        .set_two_factor_policy(trial.id, TwoFactorPolicy::Disabled)
        .await
        .unwrap();
    w.account(&trial, "trial@example.co.jp", Role::Owner, Some(PW))
        .await;
    trial
}

async fn settings_sign_in(
    w: &TestWorld<MemoryStore>,
    email: &str,
) -> Result<crate::domain::Session, SignInError> {
    let r = w
        .auth
        .sign_in_with_password(PasswordSignIn {
            email,
            password: PasswordCandidate::new(PW),
            client: client(),
            scope: SessionScope::Settings,
            remembered_browser: None,
        })
        .await?;
    let SignInOutcome::SignedIn(g) = r else {
        panic!("two-factor is off here")
    };
    Ok(w.auth
        .authenticate(
            &g.token,
            SessionScope::Settings,
            crate::domain::ChannelKind::Internet,
        )
        .await
        .unwrap())
}

#[tokio::test]
async fn s2_the_settings_menu_has_its_own_sign_in_with_the_same_rules() {
    let w = TestWorld::new();
    w.basic_owner().await;
    let settings = settings_sign_in(&w, "owner@example.co.jp").await.unwrap();
    assert_eq!(settings.scope, SessionScope::Settings);
    assert_eq!(
        w.auth.settings_menu(&settings).await.unwrap(),
        SettingsItem::ALL.to_vec()
    );
    // A settings session is not a service session.
    let services = w.auth.my_sessions(&settings).await.unwrap();
    assert_eq!(services.len(), 1);
    let wrong = w
        .auth
        .sign_in_with_password(PasswordSignIn {
            email: "owner@example.co.jp",
            password: PasswordCandidate::new("bad"),
            client: client(),
            scope: SessionScope::Settings,
            remembered_browser: None,
        })
        .await;
    assert!(matches!(wrong, Err(SignInError::InvalidCredentials)));
    assert_eq!(
        w.store
            .account(settings.account)
            .await
            .unwrap()
            .unwrap()
            .lock
            .failures(),
        1,
        "settings failures count toward the lock (L2)"
    );
}

#[tokio::test]
async fn s1_a_free_trial_owners_menu_shows_exactly_its_items() {
    let w = TestWorld::new();
    trial_owner(&w).await;
    let me = settings_sign_in(&w, "trial@example.co.jp").await.unwrap();
    assert_eq!(
        w.auth.settings_menu(&me).await.unwrap(),
        vec![
            SettingsItem::PasswordChange,
            SettingsItem::AccessRoute,
            SettingsItem::TwoFactorPolicy,
            SettingsItem::ActiveDirectory,
            SettingsItem::PlanChange
        ]
    );
    assert_eq!(
        w.auth
            .cancel_contract(&me, true, &client())
            .await
            .unwrap_err(),
        SettingsError::NotPermitted,
        "an item not shown is not accepted"
    );
}

#[tokio::test]
async fn d1_turning_on_ad_issues_a_connection_id_and_mails_the_owner() {
    let w = TestWorld::new();
    w.basic_owner().await;
    let me = session_of(&w, "owner@example.co.jp", PW).await;
    assert!(matches!(
        w.auth
            .turn_on_active_directory(
                &me,
                &saml_settings("http://insecure.example/metadata"),
                &client()
            )
            .await
            .unwrap_err(),
        AdSetupError::Field(AdFieldError {
            field: "metadata_url",
            ..
        })
    ));
    let id = w
        .auth
        .turn_on_active_directory(
            &me,
            &saml_settings("https://adfs.example.co.jp/FederationMetadata.xml"),
            &client(),
        )
        .await
        .unwrap();
    let text = id.as_str();
    assert!(text.starts_with("adfs-"));
    assert_eq!(text.len(), 5 + CONNECTION_ID_SUFFIX_LEN);
    assert!(
        text[5..]
            .bytes()
            .all(|b| CONNECTION_ID_ALPHABET.contains(&b))
    );
    assert_eq!(ConnectionId::parse(&text.to_ascii_uppercase()).unwrap(), id);
    let mail = w.store.queued_mail().pop().unwrap();
    assert_eq!(mail.to.as_str(), "owner@example.co.jp");
    assert!(matches!(mail.kind, MailKind::AdSignIn { connection } if connection == id));
    assert_eq!(
        w.auth
            .turn_on_active_directory(
                &me,
                &saml_settings("https://adfs.example.co.jp/x"),
                &client()
            )
            .await
            .unwrap_err(),
        AdSetupError::AlreadyOn
    );
}

#[tokio::test]
async fn c1_a_trial_cannot_be_cancelled_by_hand() {
    let w = TestWorld::new();
    trial_owner(&w).await;
    let me = session_of(&w, "trial@example.co.jp", PW).await;
    assert_eq!(
        w.auth
            .cancel_contract(&me, true, &client())
            .await
            .unwrap_err(),
        SettingsError::NotPermitted
    );
}

#[tokio::test]
async fn c2_a_trial_owner_upgrades_within_fifteen_days_after_the_end_even_after_sign_in_stopped() {
    let w = TestWorld::new();
    let trial = trial_owner(&w).await;
    w.clock.advance(Duration::days(30 + 15));
    // The service has ended, but the settings menu still opens for the plan change.
    assert!(matches!(
        try_sign_in(&w, "trial@example.co.jp", PW).await,
        Err(SignInError::ContractEnded)
    ));
    let me = settings_sign_in(&w, "trial@example.co.jp").await.unwrap();
    assert_eq!(
        w.auth.settings_menu(&me).await.unwrap().last(),
        Some(&SettingsItem::PlanChange)
    );
    w.auth.upgrade_to_basic(&me, &client()).await.unwrap();
    assert_eq!(
        w.store.contract(trial.id).await.unwrap().unwrap().plan,
        Plan::Basic
    );
    assert!(try_sign_in(&w, "trial@example.co.jp", PW).await.is_ok());
}

#[tokio::test]
async fn c2_past_the_window_the_trial_cannot_be_upgraded() {
    let w = TestWorld::new();
    trial_owner(&w).await;
    w.clock
        .advance(Duration::days(30 + 15) + Duration::seconds(1));
    assert!(matches!(
        settings_sign_in(&w, "trial@example.co.jp").await,
        Err(SignInError::ContractEnded)
    ));
}

#[tokio::test]
async fn c2_the_basic_owner_cancels_after_confirming_and_everyone_is_signed_out() {
    let w = TestWorld::new();
    let (contract, _) = w.basic_owner().await;
    w.account(&contract, "user@example.co.jp", Role::User, Some(PW))
        .await;
    let user = session_of(&w, "user@example.co.jp", PW).await;
    let me = session_of(&w, "owner@example.co.jp", PW).await;
    assert_eq!(
        w.auth
            .cancel_contract(&me, false, &client())
            .await
            .unwrap_err(),
        SettingsError::ConfirmationRequired
    );
    w.auth.cancel_contract(&me, true, &client()).await.unwrap();
    assert!(w.store.session(user.token_hash).await.unwrap().is_none());
    assert!(matches!(
        try_sign_in(&w, "user@example.co.jp", PW).await,
        Err(SignInError::ContractEnded)
    ));
}

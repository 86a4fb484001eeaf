//! Secrets cannot print: every request type of the API and the pages, and every core input
//! that carries a password, code, token or secret, formatted with `{:?}`, shows none of them.

use auth_core::domain::{
    AdSettingsInput, ClientInfo, DirectoryCallback, Email, MethodChoice, PasswordCandidate,
    PresentedToken, ProviderCallback, RecoveryCode, SecretToken, SessionScope, TotpSecret,
    totp_offer,
};
use auth_core::flows::directory::DirectoryFor;
use auth_core::flows::federation::FederationFor;
use auth_core::flows::password_change::ChangePassword;
use auth_core::flows::signin::PasswordSignIn;
use auth_core::flows::two_factor::RecoveryShown;
use serde_json::json;

use crate::http::api::{account, signin, tickets};

const PASSWORD: &str = "Kumo-Secret-2024x";
const CODE: &str = "987654";
const RECOVERY: &str = "WXYZ-2345-6789-QRST";
const TOKEN: &str = "q0o2V5n6r8f3JbZ1u4cXyW7tLkQmA9sEhGdNpRvT0aY";

fn shows_no_secret(what: &str, debug: String) {
    for secret in [PASSWORD, CODE, RECOVERY, "WXYZ23456789QRST", TOKEN] {
        assert!(
            !debug.contains(secret),
            "{what} shows a secret in its Debug: {debug}"
        );
    }
}

fn api<T: serde::de::DeserializeOwned + std::fmt::Debug>(what: &str, body: serde_json::Value) {
    let parsed: T = serde_json::from_value(body).expect(what);
    shows_no_secret(what, format!("{parsed:?}"));
}

fn form<T: serde::de::DeserializeOwned + std::fmt::Debug>(what: &str, body: &str) {
    let parsed: T = serde_urlencoded::from_str(body).expect(what);
    shows_no_secret(what, format!("{parsed:?}"));
}

#[test]
fn x1_request_types_and_core_inputs_print_no_password_code_token_or_secret() {
    let pw = json!(PASSWORD);
    api::<signin::SignInBody>(
        "SignInBody",
        json!({"email": "a@example.jp", "password": pw}),
    );
    api::<signin::CodeBody>("CodeBody", json!({"code": CODE}));
    api::<signin::RecoveryBody>("RecoveryBody", json!({"code": RECOVERY}));
    api::<account::ChangePasswordBody>(
        "ChangePasswordBody",
        json!({"current": pw, "password": pw, "confirmation": pw}),
    );
    api::<tickets::NewPasswordBody>(
        "NewPasswordBody",
        json!({"password": pw, "confirmation": pw}),
    );
    api::<tickets::MethodBody>(
        "MethodBody",
        json!({"method": "password", "password": pw, "confirmation": pw}),
    );
    api::<tickets::EmailChangeBody>(
        "EmailChangeBody",
        json!({"password": pw, "confirmation": pw}),
    );

    let pw = format!("password={PASSWORD}&confirmation={PASSWORD}&current={PASSWORD}");
    form::<super::signin::SignInForm>("SignInForm", &format!("email=a%40example.jp&{pw}"));
    form::<super::signin::CodeForm>("CodeForm", &format!("code={CODE}&via=totp"));
    form::<super::signin::RecoveryForm>("RecoveryForm", &format!("code={RECOVERY}"));
    form::<super::signin::NewPasswordForm>("NewPasswordForm", &pw);
    form::<super::settings::ChangePasswordForm>("ChangePasswordForm", &pw);
    form::<super::tickets::EmailChangeForm>("EmailChangeForm", &pw);

    let client = ClientInfo::internet(None, None);
    shows_no_secret(
        "PasswordSignIn",
        format!(
            "{:?}",
            PasswordSignIn {
                email: "a@example.jp",
                password: PasswordCandidate::new(PASSWORD),
                client: client.clone(),
                scope: SessionScope::Service,
                remembered_browser: SecretToken::parse(TOKEN).ok(),
            }
        ),
    );
    shows_no_secret(
        "ChangePassword",
        format!(
            "{:?}",
            ChangePassword {
                current: PasswordCandidate::new(PASSWORD),
                new_password: PASSWORD,
                confirmation: PASSWORD,
            }
        ),
    );
    shows_no_secret(
        "MethodChoice",
        format!(
            "{:?}",
            MethodChoice::Password {
                password: PASSWORD,
                confirmation: PASSWORD,
            }
        ),
    );
    shows_no_secret(
        "ProviderCallback",
        format!(
            "{:?}",
            ProviderCallback {
                code: Some(TOKEN.into()),
                state: Some(TOKEN.into()),
                ..Default::default()
            }
        ),
    );
    shows_no_secret(
        "AdSettingsInput",
        format!(
            "{:?}",
            AdSettingsInput {
                protocol: "oidc",
                client_secret: PASSWORD,
                ..Default::default()
            }
        ),
    );
    let token = PresentedToken::new(TOKEN);
    for (what, debug) in [
        (
            "FederationFor::Invitation",
            format!("{:?}", FederationFor::Invitation { token }),
        ),
        (
            "FederationFor::MethodChange",
            format!("{:?}", FederationFor::MethodChange { token }),
        ),
        (
            "DirectoryFor::Invitation",
            format!("{:?}", DirectoryFor::Invitation { token }),
        ),
        (
            "DirectoryFor::MethodChange",
            format!("{:?}", DirectoryFor::MethodChange { token }),
        ),
        (
            "DirectoryCallback::Saml",
            format!(
                "{:?}",
                DirectoryCallback::Saml {
                    response: TOKEN.into()
                }
            ),
        ),
    ] {
        shows_no_secret(what, debug);
    }
    let secret = TotpSecret::from_bytes(&[7; 20]);
    let offer = totp_offer(&secret, "tobira", &Email::parse("a@example.jp").unwrap()).unwrap();
    let offer_debug = format!("{offer:?}");
    assert!(!offer_debug.contains(offer.secret_text.as_str()));
    assert!(!offer_debug.contains("otpauth"));
    // The QR code the app draws from the offer encodes the secret too; the API's answer that
    // carries it prints none of its fields.
    let dto = crate::http::api::signin::TotpOfferDto {
        secret: offer.secret_text.to_string(),
        otpauth_uri: offer.otpauth_uri.to_string(),
        qr_svg: crate::qr::svg(&offer.otpauth_uri).unwrap(),
    };
    let dto_debug = format!("{dto:?}");
    assert!(!dto_debug.contains(offer.secret_text.as_str()));
    assert!(!dto_debug.contains("otpauth"));
    assert!(!dto_debug.contains("<svg"));
    shows_no_secret(
        "RecoveryShown",
        format!(
            "{:?}",
            RecoveryShown {
                code: RecoveryCode::parse(RECOVERY).unwrap(),
                pending: SecretToken::parse(TOKEN).unwrap(),
            }
        ),
    );
}

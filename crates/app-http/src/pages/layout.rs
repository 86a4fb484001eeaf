//! The page shell and the form widgets every page uses: labelled fields with their errors
//! beside them, password fields with the rule and a show/hide toggle, the CSRF field.

use auth_core::domain::Provider;
use maud::{DOCTYPE, Markup, html};

use super::text::T;
use super::{Errors, Page, csrf};
use crate::messages::{self, Lang};

/// The whole document around a page's body.
pub(crate) fn shell(page: &Page, title: T, body: Markup) -> Markup {
    let lang = page.lang();
    let back = &page.path;
    html! {
        (DOCTYPE)
        html lang=(lang.tag()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="robots" content="noindex";
                title { (page.t(title)) " | tobira" }
                link rel="stylesheet" href="/assets/tobira.css";
                script src="/assets/tobira.js" defer {}
            }
            body {
                header.bar {
                    a.brand href="/" { "tobira" }
                    nav.lang aria-label=(page.t(T::LanguageSwitch)) {
                        @if lang == Lang::Ja {
                            span aria-current="true" { "日本語" }
                        } @else {
                            a href={ "/lang/ja?back=" (back) } lang="ja" { "日本語" }
                        }
                        @if lang == Lang::En {
                            span aria-current="true" { "English" }
                        } @else {
                            a href={ "/lang/en?back=" (back) } lang="en" { "English" }
                        }
                    }
                }
                main {
                    h1 { (page.t(title)) }
                    @if let Some(notice) = page.notice {
                        p.notice role="status" { (page.t(notice)) }
                    }
                    (body)
                }
                footer { (page.t(T::Footer)) }
            }
        }
    }
}

/// A POST form to `action` carrying the CSRF token.
pub(crate) fn form(page: &Page, action: &str, body: Markup) -> Markup {
    html! {
        form method="post" action=(action) novalidate {
            input type="hidden" name=(csrf::FIELD) value=(page.csrf);
            (body)
        }
    }
}

/// A button alone in its own POST form.
pub(crate) fn button_form(page: &Page, action: &str, label: &str, class: &str) -> Markup {
    form(
        page,
        action,
        html! { button type="submit" class=(class) { (label) } },
    )
}

/// Errors that belong to no field, at the top of a form.
pub(crate) fn general_errors(errors: &Errors, shown: &[&str]) -> Markup {
    let list = errors.general(shown);
    html! {
        @if !list.is_empty() {
            div.errors role="alert" {
                @for e in list { p { (e) } }
            }
        }
    }
}

fn error_list(id: &str, list: &[&str]) -> Markup {
    html! {
        @if !list.is_empty() {
            ul.field-errors id=(id) {
                @for e in list { li { (e) } }
            }
        }
    }
}

/// A text-like input.
pub(crate) struct Input<'a> {
    /// The field name (also the error key).
    pub(crate) name: &'static str,
    /// Its label.
    pub(crate) label: &'a str,
    /// `text`, `email`, `tel`, `url`.
    pub(crate) kind: &'static str,
    /// The value to show (kept after an error).
    pub(crate) value: &'a str,
    /// The `autocomplete` attribute.
    pub(crate) autocomplete: &'static str,
    /// A hint under the label.
    pub(crate) hint: Option<&'a str>,
    /// `inputmode`, for codes.
    pub(crate) inputmode: Option<&'static str>,
}

impl<'a> Input<'a> {
    /// An input named `name` labelled `label`.
    pub(crate) fn new(name: &'static str, label: &'a str) -> Self {
        Self {
            name,
            label,
            kind: "text",
            value: "",
            autocomplete: "off",
            hint: None,
            inputmode: None,
        }
    }

    /// Of type `kind`.
    pub(crate) fn kind(mut self, kind: &'static str) -> Self {
        self.kind = kind;
        self
    }

    /// Holding `value`.
    pub(crate) fn value(mut self, value: &'a str) -> Self {
        self.value = value;
        self
    }

    /// With `autocomplete`.
    pub(crate) fn autocomplete(mut self, autocomplete: &'static str) -> Self {
        self.autocomplete = autocomplete;
        self
    }

    /// With a hint.
    pub(crate) fn hint(mut self, hint: &'a str) -> Self {
        self.hint = Some(hint);
        self
    }

    /// With an `inputmode`.
    pub(crate) fn inputmode(mut self, mode: &'static str) -> Self {
        self.inputmode = Some(mode);
        self
    }

    /// The field, with its errors.
    pub(crate) fn render(&self, errors: &Errors) -> Markup {
        let list = errors.of(self.name);
        let err_id = format!("{}-errors", self.name);
        let hint_id = format!("{}-hint", self.name);
        let described = match (self.hint.is_some(), list.is_empty()) {
            (true, false) => Some(format!("{hint_id} {err_id}")),
            (true, true) => Some(hint_id.clone()),
            (false, false) => Some(err_id.clone()),
            (false, true) => None,
        };
        html! {
            div.field.invalid[!list.is_empty()] {
                label for=(self.name) { (self.label) }
                @if let Some(hint) = self.hint { p.hint id=(hint_id) { (hint) } }
                input type=(self.kind) id=(self.name) name=(self.name) value=(self.value)
                    autocomplete=(self.autocomplete) inputmode=[self.inputmode]
                    aria-invalid=[(!list.is_empty()).then_some("true")]
                    aria-describedby=[described];
                (error_list(&err_id, &list))
            }
        }
    }
}

/// A password input with its show/hide toggle; `rule` shows the password policy (P1).
pub(crate) fn password(
    page: &Page,
    name: &'static str,
    label: T,
    autocomplete: &'static str,
    rule: bool,
    errors: &Errors,
) -> Markup {
    let list = errors.of(name);
    let err_id = format!("{name}-errors");
    let hint_id = format!("{name}-hint");
    let mut described = Vec::new();
    if rule {
        described.push(hint_id.clone());
    }
    if !list.is_empty() {
        described.push(err_id.clone());
    }
    let described = (!described.is_empty()).then(|| described.join(" "));
    html! {
        div.field.invalid[!list.is_empty()] {
            label for=(name) { (page.t(label)) }
            @if rule { p.hint id=(hint_id) { (messages::password_policy(page.lang())) } }
            div.password {
                input type="password" id=(name) name=(name) autocomplete=(autocomplete)
                    aria-invalid=[(!list.is_empty()).then_some("true")]
                    aria-describedby=[described];
                button type="button" class="toggle" hidden aria-controls=(name) aria-pressed="false"
                    data-show=(page.t(T::ShowPassword)) data-hide=(page.t(T::HidePassword)) {
                    (page.t(T::ShowPassword))
                }
            }
            (error_list(&err_id, &list))
        }
    }
}

/// A new password with its confirmation (P1).
pub(crate) fn new_password_pair(page: &Page, errors: &Errors) -> Markup {
    html! {
        (password(page, "password", T::NewPassword, "new-password", true, errors))
        (password(page, "confirmation", T::NewPasswordAgain, "new-password", false, errors))
    }
}

/// A checkbox whose value is `true`.
pub(crate) fn checkbox(name: &'static str, label: &str, checked: bool, errors: &Errors) -> Markup {
    let list = errors.of(name);
    let err_id = format!("{name}-errors");
    html! {
        div.field.check.invalid[!list.is_empty()] {
            input type="checkbox" id=(name) name=(name) value="true" checked[checked]
                aria-invalid=[(!list.is_empty()).then_some("true")]
                aria-describedby=[(!list.is_empty()).then_some(err_id.as_str())];
            label for=(name) { (label) }
            (error_list(&err_id, &list))
        }
    }
}

/// A radio group.
pub(crate) fn radios(
    name: &'static str,
    legend: &str,
    options: &[(&str, &str)],
    selected: &str,
    errors: &Errors,
) -> Markup {
    let list = errors.of(name);
    let err_id = format!("{name}-errors");
    html! {
        fieldset.field.invalid[!list.is_empty()] {
            legend { (legend) }
            @for (value, label) in options {
                @let id = format!("{name}-{value}");
                div.check {
                    input type="radio" id=(id) name=(name) value=(value) checked[*value == selected];
                    label for=(id) { (label) }
                }
            }
            (error_list(&err_id, &list))
        }
    }
}

/// The choice of a language (I1: the invitee's; an account's own), each named in itself.
pub(crate) fn language_radios(
    name: &'static str,
    legend: &str,
    selected: Lang,
    errors: &Errors,
) -> Markup {
    radios(
        name,
        legend,
        &[("ja", "日本語"), ("en", "English")],
        selected.tag(),
        errors,
    )
}

/// What a provider button does (L7).
#[derive(Debug, Clone, Copy)]
pub(crate) enum ProviderUse<'a> {
    /// Sign in to the service or the settings menu.
    SignIn(auth_core::domain::SessionScope),
    /// Register from this invitation token (through its confirmation page, I2).
    Invitation(&'a str),
    /// The owner's own login method (M1).
    OwnMethod,
    /// A login-method change link's token (M2).
    MethodChange(&'a str),
}

/// A provider's name as its own service writes it in each language.
pub(crate) fn provider_name(provider: Provider, lang: Lang) -> &'static str {
    match (provider, lang) {
        (Provider::Google, Lang::Ja) => "Googleアカウント",
        (Provider::Google, _) => "Google",
        (Provider::Facebook, Lang::Ja) => "Facebookアカウント",
        (Provider::Facebook, _) => "Facebook",
        (Provider::Microsoft, Lang::Ja) => "Microsoftアカウント",
        (Provider::Microsoft, _) => "Microsoft",
        (_, Lang::Ja) => "dアカウント",
        (_, _) => "d-account",
    }
}

/// The label of `provider`'s button for a use.
fn provider_label(page: &Page, provider: Provider, usage: ProviderUse<'_>) -> String {
    let name = provider_name(provider, page.lang());
    let key = match usage {
        ProviderUse::SignIn(_) => T::SignInWithProvider,
        ProviderUse::Invitation(_) => T::RegisterWithProvider,
        ProviderUse::OwnMethod | ProviderUse::MethodChange(_) => T::SwitchToProvider,
    };
    page.tf(key, &[name])
}

/// The button of one provider: a form that starts its round trip, or for an invitation a
/// link to the confirmation page first (I2).
fn provider_button(page: &Page, provider: Provider, usage: ProviderUse<'_>) -> Markup {
    let label = provider_label(page, provider, usage);
    let action = format!("/federation/{}/start", provider.as_str());
    let (purpose, token) = match usage {
        ProviderUse::SignIn(auth_core::domain::SessionScope::Settings) => ("settings_sign_in", ""),
        ProviderUse::SignIn(_) => ("sign_in", ""),
        ProviderUse::Invitation(token) => {
            let review = format!("/invitation/{token}/provider/{}", provider.as_str());
            return html! { a.button.provider href=(review) data-provider=(provider.as_str()) { (label) } };
        }
        ProviderUse::OwnMethod => ("own_method", ""),
        ProviderUse::MethodChange(token) => ("method_change", token),
    };
    form(
        page,
        &action,
        html! {
            input type="hidden" name="purpose" value=(purpose);
            @if !token.is_empty() { input type="hidden" name="token" value=(token); }
            button type="submit" class="provider" data-provider=(provider.as_str()) { (label) }
        },
    )
}

/// The sign-in choices that need an identity provider (L7, L8): the configured providers as
/// working buttons, the others shown disabled with a note.
pub(crate) fn providers(
    page: &Page,
    usage: ProviderUse<'_>,
    active_directory: Option<&str>,
) -> Markup {
    let missing: Vec<Provider> = Provider::ALL
        .into_iter()
        .filter(|p| !page.providers.contains(p))
        .collect();
    html! {
        section.providers aria-labelledby="providers-title" {
            h2 id="providers-title" { (page.t(T::OtherMethods)) }
            @if !missing.is_empty() { p.hint { (page.t(T::ProvidersUnavailable)) } }
            ul.provider-list {
                @for provider in Provider::ALL {
                    li {
                        @if page.providers.contains(&provider) {
                            (provider_button(page, provider, usage))
                        } @else {
                            button type="button" disabled { (provider_label(page, provider, usage)) }
                        }
                    }
                }
                (ad_button(page, usage, active_directory))
            }
        }
    }
}

/// The Active Directory choice (L8, I2, M2): sign-in (to the service or, S2, the settings
/// menu) asks for the connection ID; a registration or method change confirms the contract's
/// connection ID first; the owner's own method never uses AD (D2).
fn ad_button(page: &Page, usage: ProviderUse<'_>, connection: Option<&str>) -> Markup {
    let (href, label) = match (usage, connection) {
        (ProviderUse::SignIn(auth_core::domain::SessionScope::Settings), _) => {
            ("/ad?scope=settings".to_owned(), page.t(T::AdSignInButton))
        }
        (ProviderUse::SignIn(_), _) => ("/ad".to_owned(), page.t(T::AdSignInButton)),
        (ProviderUse::Invitation(token), Some(_)) => (
            format!("/invitation/{token}/ad"),
            page.t(T::AdRegisterButton),
        ),
        (ProviderUse::MethodChange(token), Some(_)) => (
            format!("/login-method/{token}/ad"),
            page.t(T::AdSwitchButton),
        ),
        _ => return html! {},
    };
    html! {
        li {
            a.button.provider href=(href) data-provider="active-directory" { (label) }
            @if let Some(id) = connection {
                p.hint { (page.tf(T::ConnectionIdIs, &[id])) }
            }
        }
    }
}

/// Key–value rows.
pub(crate) fn details(rows: &[(&str, String)]) -> Markup {
    html! {
        dl.details {
            @for (k, v) in rows {
                div { dt { (k) } dd { (v) } }
            }
        }
    }
}

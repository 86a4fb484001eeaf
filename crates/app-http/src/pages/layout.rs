//! The page shell and the form widgets every page uses: labelled fields with their errors
//! beside them, password fields with the rule and a show/hide toggle, the CSRF field.

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

/// The sign-in choices that need an identity provider: shown, disabled, with a note (L7, L8).
pub(crate) fn unavailable_providers(page: &Page, active_directory: Option<&str>) -> Markup {
    html! {
        section.providers aria-labelledby="providers-title" {
            h2 id="providers-title" { (page.t(T::OtherMethods)) }
            p.hint { (page.t(T::ProvidersUnavailable)) }
            ul.provider-list {
                @for name in [T::Google, T::Facebook, T::Microsoft, T::DAccount] {
                    li { button type="button" disabled { (page.t(name)) } }
                }
                li {
                    button type="button" disabled { (page.t(T::ActiveDirectory)) }
                    @if let Some(id) = active_directory {
                        p.hint { (page.tf(T::ConnectionIdIs, &[id])) }
                    }
                }
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

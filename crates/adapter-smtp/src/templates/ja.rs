//! 日本語のメール文面 (the Japanese catalogue, the default language).

use auth_core::domain::{LOCK_THRESHOLD, TICKET_VALIDITY};
use chrono::{DateTime, Utc};

use super::{Block, Catalogue, Content, LinkView, japan_wall_clock};
use crate::links::AdSignInUrls;

/// Japanese.
pub(crate) struct Ja;

fn para(text: impl Into<String>) -> Block {
    Block::Para(text.into())
}

fn fact(label: &str, value: &str) -> Block {
    Block::Fact {
        label: format!("{label}："),
        value: value.to_owned(),
    }
}

fn link(label: &str, url: &str) -> Block {
    Block::Link {
        label: label.to_owned(),
        url: url.to_owned(),
    }
}

fn greeting(to: &str) -> Block {
    para(format!("{to} 様"))
}

/// A notice (X3): what changed, when, and what to do if it was not the holder.
fn notice(to: &str, subject: &str, what: String, at: &str, advice: &str) -> Content {
    Content {
        subject: subject.to_owned(),
        blocks: vec![
            greeting(to),
            para(what),
            fact("日時", at),
            para("ご自身で操作された場合は、このメールへの対応は不要です。"),
            para(advice),
        ],
    }
}

const ADVICE_RESET: &str = "お心当たりのない場合は、第三者による不正な操作のおそれがあります。\
     ただちにログイン画面からパスワードを再設定し、ご契約の管理者にご連絡ください。";

const ADVICE_ADMIN: &str = "お心当たりのない場合は、第三者による不正な操作のおそれがあります。\
     ただちにご契約の管理者にご連絡ください。";

impl Catalogue for Ja {
    fn lang(&self) -> &'static str {
        "ja"
    }

    fn datetime(&self, at: DateTime<Utc>) -> String {
        japan_wall_clock(at)
            .format("%Y年%-m月%-d日 %H:%M (日本時間)")
            .to_string()
    }

    fn signature(&self, service: &str) -> String {
        format!("このメールは {service} から自動で送信しています。")
    }

    fn text_link_marker(&self) -> &'static str {
        "▼"
    }

    fn account_locked(&self, to: &str, l: &LinkView) -> Content {
        Content {
            subject: "アカウントがロックされました".to_owned(),
            blocks: vec![
                greeting(to),
                para(format!(
                    "パスワードの入力誤りが連続して{LOCK_THRESHOLD}回あったため、お客様のアカウントをロックしました。\
                     ロック中は、正しいパスワードを入力してもログインできません。"
                )),
                para("下記のリンクを開くと、ロックを解除できます。"),
                link("ロックを解除する", &l.url),
                fact("リンクの有効期限", &l.expires),
                para(
                    "有効期限を過ぎた場合は、ログイン画面からパスワードを再設定してください。\
                     パスワードを再設定すると、ロックも解除されます。",
                ),
                para(
                    "ご自身でログインを試みた覚えがない場合は、第三者がログインを試みた可能性があります。\
                     ロックを解除したあと、パスワードを変更されることをおすすめします。",
                ),
            ],
        }
    }

    fn password_reset(&self, to: &str, l: &LinkView) -> Content {
        Content {
            subject: "パスワード再設定のご案内".to_owned(),
            blocks: vec![
                greeting(to),
                para(
                    "パスワード再設定のお申し込みを受け付けました。\
                     下記のリンクを開き、新しいパスワードを設定してください。",
                ),
                link("新しいパスワードを設定する", &l.url),
                fact("リンクの有効期限", &l.expires),
                para(
                    "パスワードを再設定すると、アカウントのロックが解除され、すべての端末でログアウトします。\
                     2段階認証の設定も解除されますので、次回ログイン時にあらためて設定してください。",
                ),
                para(
                    "お心当たりのない場合は、このメールを破棄してください。\
                     リンクを開かない限り、パスワードは変更されません。",
                ),
            ],
        }
    }

    fn invitation(&self, to: &str, contract: &str, invitee: &str, l: &LinkView) -> Content {
        Content {
            subject: "ユーザー登録のご案内".to_owned(),
            blocks: vec![
                para(format!("{invitee} 様")),
                para(format!(
                    "「{contract}」の管理者から、ユーザー登録のご招待をお送りします。\
                     下記のリンクを開き、{}日以内に登録を完了してください。",
                    TICKET_VALIDITY.num_days()
                )),
                fact("ログインID（メールアドレス）", to),
                para(
                    "登録では、ログイン方法（パスワード、Google などの外部アカウント、\
                     またはご契約で利用できる場合は Active Directory）を選び、\
                     確認画面で内容をご確認のうえ完了してください。",
                ),
                link("登録を始める", &l.url),
                fact("リンクの有効期限", &l.expires),
                para(
                    "有効期限を過ぎた場合やリンクが使えない場合は、\
                     ご契約の管理者に招待の再送をご依頼ください。",
                ),
                para(
                    "お心当たりのない場合は、このメールを破棄してください。\
                     登録を完了しない限り、アカウントは利用できません。",
                ),
            ],
        }
    }

    fn owner_invitation(&self, to: &str, contract: &str, owner: &str, l: &LinkView) -> Content {
        Content {
            subject: "ご契約ありがとうございます: 管理者アカウントの登録のご案内".to_owned(),
            blocks: vec![
                para(format!("{owner} 様")),
                para(format!(
                    "「{contract}」のご契約ありがとうございます。ご契約者様の管理者アカウントを\
                     ご用意しました。下記のリンクを開き、{}日以内に登録を完了してください。",
                    TICKET_VALIDITY.num_days()
                )),
                fact("ログインID（メールアドレス）", to),
                para(
                    "登録では、ログイン方法（パスワード、または Google などの外部アカウント）を\
                     選び、確認画面で内容をご確認のうえ完了してください。登録後は、\
                     管理コンソールから利用者を招待できます。",
                ),
                link("登録を始める", &l.url),
                fact("リンクの有効期限", &l.expires),
                para(
                    "有効期限を過ぎた場合やリンクが使えない場合は、\
                     お問い合わせ窓口にリンクの再発行をご依頼ください。",
                ),
                para(
                    "お心当たりのない場合は、このメールを破棄してください。\
                     登録を完了しない限り、アカウントは利用できません。",
                ),
            ],
        }
    }

    fn email_change(&self, to: &str, l: &LinkView) -> Content {
        Content {
            subject: "メールアドレス変更の確認".to_owned(),
            blocks: vec![
                greeting(to),
                para(format!(
                    "アカウントのメールアドレスを、このアドレス（{to}）に変更するお手続きを受け付けました。\
                     下記のリンクを開き、新しいメールアドレスを確認して変更を完了してください。"
                )),
                link("メールアドレスの変更を完了する", &l.url),
                fact("リンクの有効期限", &l.expires),
                para(
                    "パスワードでログインしているアカウントの場合は、変更の際に新しいパスワードの設定をお願いします。\
                     また、2段階認証の設定が解除されますので、次回ログイン時にあらためて設定してください。",
                ),
                para(
                    "変更が完了するまでは、これまでのメールアドレスでログインできます。\
                     有効期限を過ぎた場合は、あらためて変更をお申し込みいただくか、ご契約の管理者にご依頼ください。",
                ),
                para(
                    "お心当たりのない場合は、このメールを破棄してください。\
                     リンクを開かない限り、メールアドレスは変更されません。",
                ),
            ],
        }
    }

    fn login_method_change(&self, to: &str, l: &LinkView) -> Content {
        Content {
            subject: "ログイン方法変更のご案内".to_owned(),
            blocks: vec![
                greeting(to),
                para(format!(
                    "ご契約の管理者から、お客様のアカウント（{to}）のログイン方法の変更を依頼されました。\
                     下記のリンクを開き、新しいログイン方法を選んでください。"
                )),
                para(
                    "選べるログイン方法は、パスワード、外部アカウント（Google、Facebook、Microsoft、dアカウント）、\
                     およびご契約で利用できる場合は Active Directory です。",
                ),
                link("ログイン方法を選ぶ", &l.url),
                fact("リンクの有効期限", &l.expires),
                para(
                    "ログイン方法を変更すると、2段階認証の設定が解除されます。\
                     パスワードを選んだ場合は、次回ログイン時にあらためて設定してください。",
                ),
                para(
                    "変更が完了するまでは、現在のログイン方法でログインできます。\
                     有効期限を過ぎた場合は、ご契約の管理者に再送をご依頼ください。",
                ),
                para("お心当たりのない場合は、リンクを開かずに、ご契約の管理者にご確認ください。"),
            ],
        }
    }

    fn ad_sign_in(&self, to: &str, connection: &str, urls: &AdSignInUrls) -> Content {
        Content {
            subject: "Active Directory ログインのご案内".to_owned(),
            blocks: vec![
                greeting(to),
                para(
                    "ご契約で Active Directory によるログインを有効にしました。\
                     Active Directory でログインするユーザーに、下記の接続IDとログイン用アドレスをお知らせください。",
                ),
                fact("接続ID", connection),
                para(
                    "ログイン用アドレスは、接続経路によって異なります。\
                     ログイン画面で接続IDを求められた場合は、上記の接続IDを入力してください。",
                ),
                link("インターネットからログインする場合", &urls.internet),
                link("ご登録の回線からログインする場合", &urls.line),
                para(
                    "ご契約者様ご自身のログイン方法には、Active Directory はお使いいただけません。",
                ),
                para(
                    "お心当たりのない場合は、第三者による不正な操作のおそれがあります。\
                     ただちに設定メニューにログインし、設定内容をご確認ください。",
                ),
            ],
        }
    }

    fn password_changed(&self, to: &str, at: &str) -> Content {
        notice(
            to,
            "パスワードが変更されました",
            format!("お客様のアカウント（{to}）のパスワードが変更されました。"),
            at,
            ADVICE_RESET,
        )
    }

    fn email_changed(&self, to: &str, at: &str) -> Content {
        notice(
            to,
            "メールアドレスが変更されました",
            format!(
                "お客様のアカウントのメールアドレスが、{to} から新しいアドレスに変更されました。\
                 今後、このアドレスではログインできません。"
            ),
            at,
            ADVICE_ADMIN,
        )
    }

    fn login_method_changed(&self, to: &str, at: &str) -> Content {
        notice(
            to,
            "ログイン方法が変更されました",
            format!(
                "お客様のアカウント（{to}）のログイン方法が変更されました。\
                 次回から、新しいログイン方法でログインしてください。"
            ),
            at,
            ADVICE_ADMIN,
        )
    }

    fn second_factor_changed(&self, to: &str, at: &str) -> Content {
        notice(
            to,
            "2段階認証の設定が変更されました",
            format!(
                "お客様のアカウント（{to}）の2段階認証の設定が変更されました\
                 （認証方法の登録、変更または解除）。"
            ),
            at,
            ADVICE_RESET,
        )
    }

    fn contract_details_changed(&self, to: &str, at: &str) -> Content {
        notice(
            to,
            "契約情報が変更されました",
            "ご契約の契約情報（会社名、部署名、ご担当者名、電話番号、郵便番号、住所）が\
             設定メニューから変更されました。"
                .to_owned(),
            at,
            ADVICE_RESET,
        )
    }
}

//! 日本語のメッセージ。

use auth_core::domain::{MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, PasswordRule};

use super::Msg;

/// パスワードの条件（すべてのパスワード入力欄に表示）。
pub(super) const PASSWORD_POLICY: &str = "8文字以上128文字以下で、英大文字・英小文字・数字・記号のうち3種類以上を含めてください。よく使われるパスワードや、メールアドレス・契約名を含むものは使えません。";

pub(super) fn text(msg: Msg) -> &'static str {
    match msg {
        Msg::BadRequest => "リクエストの形式が正しくありません。",
        Msg::NotSignedIn => "ログインしてください。",
        Msg::SessionExpired => {
            "一定時間操作がなかったため、ログアウトしました。もう一度ログインしてください。"
        }
        Msg::SignInExpired => "ログインの有効期限が切れました。最初からやり直してください。",
        Msg::InvalidEmail => "メールアドレスの形式が正しくありません。",
        Msg::InvalidCredentials => "メールアドレスまたはパスワードが正しくありません。",
        Msg::ContractEnded => "ご契約のサービス期間が終了しています。",
        Msg::LineNotRegistered => "回線認証に失敗しました。この回線はご契約に登録されていません。",
        Msg::InternetNotAllowed => "ご契約では、登録された回線からのみログインできます。",
        Msg::UnboundIdentity => {
            "この外部サービスのアカウントは、どのユーザーにも連携されていません。メールアドレスとパスワードでログインするか、管理者に招待またはログイン方法変更のメールの送信をご依頼ください。"
        }
        Msg::ProviderNotConfigured => "この外部認証サービスでのログインはご利用いただけません。",
        Msg::FederationStateInvalid => {
            "このログインは有効期限が切れたか、すでに完了しています。ログイン画面からもう一度お試しください。"
        }
        Msg::ProviderDenied => {
            "外部認証サービスでログインがキャンセルされました。変更は行われていません。もう一度お試しいただけます。"
        }
        Msg::ProviderUnavailable => {
            "外部認証サービスに接続できません。しばらくしてからお試しいただくか、メールアドレスとパスワードでログインしてください。"
        }
        Msg::ProviderRejected => {
            "外部認証サービスからの応答を確認できませんでした。変更は行われていません。もう一度最初からお試しください。"
        }
        Msg::WrongStep => "この操作は現在の手順では行えません。",
        Msg::InvalidPhone => {
            "電話番号は、070・080・090で始まる携帯電話番号、または+で始まる国際形式で入力してください。"
        }
        Msg::InvalidRecoveryCode => {
            "リカバリーコードは英数字16文字です（例: ABCD-EFGH-JKLM-NPQR）。"
        }
        Msg::WrongCode => "確認コードが正しくありません。",
        Msg::CodeSpent => {
            "確認コードの有効期限が切れたか、入力回数の上限に達しました。新しいコードを送信してください。"
        }
        Msg::ResendTooSoon => "コードの再送信は1分以上あけてください。",
        Msg::SmsLimitReached => {
            "本日のSMS送信回数の上限に達しました。明日以降にお試しいただくか、リカバリーコードをご利用ください。"
        }
        Msg::SmsUnavailable => {
            "SMSを送信できませんでした。しばらくしてからもう一度お試しください。"
        }
        Msg::RecoveryNotConfirmed => "リカバリーコードを保存したことを確認してください。",
        Msg::NotPermitted => "この操作を行う権限がありません。",
        Msg::AcknowledgementRequired => {
            "二段階認証を無効にするには、リスクを確認したうえでチェックを入れてください。"
        }
        Msg::LinkInvalid => "このリンクは無効です。",
        Msg::LinkExpired => "このリンクは有効期限が切れています。",
        Msg::LinkUsed => "このリンクはすでに使用されています。",
        Msg::LinkVoided => "このリンクは新しいリンクの発行などにより無効になりました。",
        Msg::PasswordRejected => "パスワードが条件を満たしていません。",
        Msg::WrongCurrentPassword => "現在のパスワードが正しくありません。",
        Msg::Conflict => "ほかの操作と重なったため完了できませんでした。もう一度お試しください。",
        Msg::NotFound => "該当するユーザーが見つかりません。",
        Msg::EmailConfirmationMismatch => "確認用のメールアドレスが一致しません。",
        Msg::SameEmail => "現在と同じメールアドレスです。",
        Msg::EmailTaken => "このメールアドレスはすでに使われています。",
        Msg::InvalidName => "名前は1文字以上100文字以下で入力してください。",
        Msg::DetailRequired => "この項目を入力してください。",
        Msg::DetailTooLong => "100文字以内で入力してください。",
        Msg::AddressTooLong => "200文字以内で入力してください。",
        Msg::DetailControlCharacter => "改行などの制御文字は使えません。",
        Msg::InvalidContactPhone => {
            "電話番号の形式が正しくありません。0から始まる10桁または11桁の数字です。"
        }
        Msg::InvalidPostalCode => "郵便番号の形式が正しくありません。7桁の数字です。",
        Msg::InvalidLine => {
            "回線番号は「CAF」に続く英数字10文字、または「COP」に続く英数字8文字です。"
        }
        Msg::LineTaken => "この回線番号はほかのご契約に登録されています。",
        Msg::ConfirmationRequired => "変更内容を確認してください。",
        Msg::IdentityTaken => "このログイン連携はすでにほかのユーザーが使っています。",
        Msg::FacebookRebind => {
            "別のFacebookアカウントに変更するには、いったん別のログイン方法に変更してください。"
        }
        Msg::OwnerCannotUseAd => "契約者はActive Directoryでログインできません。",
        Msg::NoActiveDirectory => "このご契約ではActive Directoryを利用できません。",
        Msg::AdAlreadyEnabled => "Active Directoryはすでに有効です。",
        Msg::InvalidConnectionId => "接続IDは「adfs-」に続く英数字18文字です。",
        Msg::InvalidMetadataUrl => "ADFSのメタデータURLは https:// で始まるURLを入力してください。",
        Msg::AdMetadataSource => {
            "フェデレーションメタデータのURLか、メタデータの内容のどちらか一方を入力してください。"
        }
        Msg::AdMetadataDocument => "メタデータの内容を貼り付けてください(512KiBまで)。",
        Msg::AdClientId => "ADFSで発行されたクライアントIDを入力してください(2000文字まで)。",
        Msg::AdClientSecret => {
            "ADFSで発行されたクライアントシークレットを入力してください(2000文字まで)。"
        }
        Msg::AdProtocol => "SAML 2.0 または OpenID Connect を選んでください。",
        Msg::AdSubject => "利用者を識別する値(NameID、UPN、オブジェクトGUID)を選んでください。",
        Msg::AdMetadataUnusable => {
            "ADFSのメタデータを読み込めないか、ADFSのメタデータではありません。URLと、ADFSにインターネットから接続できることをご確認ください。"
        }
        Msg::AdNotOffered => "このサービスではActive Directoryでのログインを提供していません。",
        Msg::AdNotOn => "Active Directoryは利用開始されていません。",
        Msg::AdChangedMeanwhile => {
            "Active Directory 連携の設定がほかの操作で変更されました。内容をご確認のうえ、もう一度お試しください。"
        }
        Msg::UnknownConnection => {
            "この接続IDのActive Directory接続はありません。接続IDをご確認ください。"
        }
        Msg::DirectoryOff => {
            "ご契約のActive Directoryでのログインは停止されています。管理者にお問い合わせください。"
        }
        Msg::OwnerIsProtected => "契約者にはこの操作を行えません。",
        Msg::Busy => "ただいま混み合っています。しばらくしてからもう一度お試しください。",
        Msg::Unavailable => {
            "ただいまサービスを利用できません。しばらくしてからもう一度お試しください。"
        }
        Msg::TooManyRequests => {
            "短時間に多くのリクエストがありました。しばらくしてからもう一度お試しください。"
        }
        Msg::PayloadTooLarge => "送信された内容が大きすぎます。",
        Msg::CrossSiteRequest => {
            "このリクエストは受け付けられません。ページを再読み込みしてからもう一度お試しください。"
        }
        Msg::ResetMailSent => {
            "ご登録のメールアドレスであれば、パスワード再設定のご案内をお送りしました。"
        }
        Msg::SettingsSignInRequired => {
            "設定メニューにログインしてください。サービスへのログインでは設定メニューを開けません。"
        }
        Msg::UnsupportedMediaType => {
            "リクエストの本文は Content-Type: application/json の JSON で送ってください。"
        }
        Msg::MalformedJson => "リクエストの本文が JSON として正しくありません。",
        Msg::JsonObjectExpected => "リクエストの本文は JSON オブジェクトにしてください。",
        Msg::MissingField => "必須の項目がありません。",
        Msg::InvalidFieldType => "項目の型または値が正しくありません。",
        Msg::UnknownValue => "項目の値が、指定できる値のいずれでもありません。",
        Msg::InvalidBody => "リクエストの本文を受け付けられません。",
        Msg::InvalidPathParameter => "アドレスに正しくない値が含まれています。",
        Msg::InvalidQueryParameter => "クエリパラメーターが正しくないか、範囲外です。",
        Msg::HeadersTooLarge => "リクエストヘッダーが大きすぎます。",
        Msg::UnknownRoute => "この API はありません。",
        Msg::MethodNotAllowed => "この API はこのメソッドを受け付けません。",
        Msg::RequestTimeout => "リクエストに時間がかかりすぎました。もう一度お試しください。",
    }
}

pub(super) fn rule(rule: PasswordRule) -> String {
    match rule {
        PasswordRule::TooShort => format!("{MIN_PASSWORD_CHARS}文字以上にしてください。"),
        PasswordRule::TooLong => format!("{MAX_PASSWORD_CHARS}文字以下にしてください。"),
        PasswordRule::TooFewClasses { used } => format!(
            "英大文字・英小文字・数字・記号のうち3種類以上を含めてください（現在{used}種類）。"
        ),
        PasswordRule::ConfirmationMismatch => "確認用のパスワードが一致しません。".into(),
        PasswordRule::Common => "よく使われているパスワードのため使えません。".into(),
        PasswordRule::ContainsEmail => "メールアドレスを含むパスワードは使えません。".into(),
        PasswordRule::ContainsContractName => "契約名を含むパスワードは使えません。".into(),
        PasswordRule::ControlCharacter => "制御文字は使えません。".into(),
    }
}

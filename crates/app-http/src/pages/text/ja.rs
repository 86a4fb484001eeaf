//! 日本語の画面テキスト。

use super::T;

pub(super) fn text(key: T) -> &'static str {
    match key {
        // 共通
        T::Footer => "tobira — ログイン・アカウント管理",
        T::LanguageSwitch => "表示言語",
        T::BackToStart => "トップページへ戻る",
        T::Back => "戻る",
        T::Cancel => "キャンセル",
        T::Confirm => "確認",
        T::Continue => "次へ進む",
        T::Next => "次へ",
        T::Save => "保存する",
        T::Remove => "削除",
        T::Actions => "操作",
        T::ErrorTitle => "エラーが発生しました",
        T::TooManyRequests => {
            "短時間にリクエストが集中しています。しばらく待ってから、もう一度お試しください。"
        }
        T::CsrfTitle => "このフォームは受け付けられませんでした",
        T::CsrfBody => {
            "フォームの安全確認が含まれていないか、有効期限が切れています。前のページに戻り、ページを再読み込みしてから、もう一度送信してください。ご自身で送信した覚えがない場合は、このページを閉じてください。"
        }
        T::BadFormTitle => "フォームの内容を読み取れませんでした",
        T::BadFormBody => {
            "前のページに戻り、ページを再読み込みしてから、もう一度入力してください。"
        }
        T::LinkProblemTitle => "このリンクはご利用いただけません",
        T::LinkProblemHelp => {
            "メールでお送りしたリンクは、有効期限内に一度だけご利用いただけます。管理者（またはご契約者）に再送をご依頼いただくか、ログイン画面からやり直してください。"
        }
        // 入力項目
        T::Email => "メールアドレス",
        T::Password => "パスワード",
        T::NewPassword => "新しいパスワード",
        T::NewPasswordAgain => "新しいパスワード（確認用）",
        T::CurrentPassword => "現在のパスワード",
        T::ShowPassword => "表示",
        T::HidePassword => "非表示",
        T::Name => "氏名",
        T::SignInId => "ログインID（メールアドレス）",
        T::Role => "権限",
        T::RoleOwner => "契約者",
        T::RoleAdmin => "管理者",
        T::RoleUser => "ユーザー",
        T::LoginMethod => "ログイン方法",
        T::MethodPassword => "メールアドレスとパスワード",
        T::Contract => "ご契約",
        T::Status => "状態",
        T::StatusActive => "有効",
        T::StatusCancelled => "解約済み（{}）",
        T::Locked => "ロック中",
        T::RegisteredAt => "登録日時",
        T::SentAt => "送信日時",
        T::When => "日時",
        T::Account => "アカウント",
        T::Event => "内容",
        // ログイン
        T::SignInTitle => "ログイン",
        T::SettingsSignInTitle => "設定メニューへのログイン",
        T::SettingsSignInIntro => {
            "認証・契約設定をご利用いただくには、サービスにログイン中であっても、改めてログインが必要です。"
        }
        T::SignInButton => "ログイン",
        T::ForgotPasswordLink => "パスワードをお忘れの方",
        T::ToSettingsSignIn => "認証・契約設定はこちら",
        T::ToServiceSignIn => "サービスへのログインはこちら",
        T::OtherMethods => "その他のログイン方法",
        T::ProvidersUnavailable => {
            "外部認証サービスが未設定のボタンは灰色で表示され、現在ご利用いただけません。"
        }
        T::SignInWithProvider => "{}でログイン",
        T::RegisterWithProvider => "{}で登録",
        T::SwitchToProvider => "{}に切り替える",
        T::ProviderReviewIntro => {
            "以下の内容で登録します。「{}」を押すと外部認証サービスのログイン画面に移動し、ログインが完了すると登録が完了します。"
        }
        T::ContinueToProvider => "登録して外部認証サービスへ進む",
        T::ContinueToProviderTitle => "外部認証サービスへ移動しています",
        T::ContinueToProviderLink => "移動しない場合はこちらを押してください",
        T::FederationFailedTitle => "外部認証サービスでのログインに失敗しました",
        T::MethodChangedTitle => "ログイン方法を変更しました",
        T::MethodChangedBody => "次回からは新しいログイン方法でログインしてください。",
        T::ActiveDirectory => "Active Directory",
        T::ConnectionIdIs => "ご契約の接続ID：{}",
        // 二段階認証
        T::ChooseFactorTitle => "二段階認証の設定",
        T::ChooseFactorIntro => {
            "ご契約では、ログイン時に二段階認証が必要です。確認コードの受け取り方法をお選びください。設定は初回のみです。"
        }
        T::SmsOption => "SMS（ショートメッセージ）",
        T::SmsOptionHelp => "ログインのたびに、携帯電話へ6桁の確認コードをお送りします。",
        T::PhoneNumber => "携帯電話番号",
        T::PhoneHint => "例: 090-1234-5678（SMSを受け取れる携帯電話の番号）",
        T::SendCode => "確認コードを送信",
        T::TotpOption => "認証アプリ",
        T::TotpOptionHelp => {
            "Google Authenticator や Microsoft Authenticator などのアプリに、30秒ごとに新しい6桁のコードが表示されます。"
        }
        T::UseTotp => "認証アプリを使う",
        T::SmsCodeTitle => "SMSの確認コードを入力",
        T::SmsEnrolCodeIntro => "ご入力の番号へ確認コードを送信しました。有効期限は10分です。",
        T::SmsChallengeIntro => "{} へ確認コードを送信しました。有効期限は10分です。",
        T::SmsChallengeIntroPlain => "SMSでお送りした確認コードをご入力ください。",
        T::Code => "確認コード",
        T::RememberBrowser => {
            "このブラウザを30日間記憶する（共用のパソコンではご利用にならないでください）"
        }
        T::ResendCode => "確認コードを再送信",
        T::UseAnotherNumber => "別の番号・方法を使う",
        T::TotpEnrolTitle => "認証アプリの設定",
        T::TotpStepInstall => {
            "スマートフォンに Google Authenticator や Microsoft Authenticator などの認証アプリをインストールしてください。"
        }
        T::TotpStepScan => "アプリでアカウントを追加し、このQRコードを読み取ってください。",
        T::QrAlt => "認証アプリに tobira を追加するためのQRコード",
        T::TotpSecretIntro => "読み取れない場合は、次のキーを手入力してください。",
        T::TotpStepCode => "アプリに表示された6桁のコードをご入力ください。",
        T::BackToChoice => "別の方法を選ぶ",
        T::TotpCodeTitle => "認証アプリのコードを入力",
        T::TotpChallengeIntro => {
            "認証アプリを開き、tobira に表示されている6桁のコードをご入力ください。"
        }
        T::LostDeviceLink => "端末を紛失した・コードを受け取れない場合",
        T::LostDeviceTitle => "リカバリーコードでログイン",
        T::LostDeviceIntro => {
            "二段階認証の設定時に保存したリカバリーコードをご入力ください。ご利用後は、新しいリカバリーコードを発行します。"
        }
        T::RecoveryCode => "リカバリーコード",
        T::RecoveryCodeHint => {
            "英数字16文字です（例: ABCD-EFGH-JKLM-NPQR）。空白やハイフンの有無は問いません。"
        }
        T::BackToCode => "確認コードの入力に戻る",
        T::RecoveryCodeTitle => "リカバリーコードの保存",
        T::RecoveryCodeIntro => {
            "端末を紛失した場合は、このリカバリーコードでログインできます。今すぐ書き留めるか、安全な場所に保存してください。"
        }
        T::RecoveryCodeWarning => {
            "このコードは、この画面でのみ表示されます。一度使うと無効になり、新しいコードが発行されます。"
        }
        T::RecoveryCodeShownBefore => {
            "リカバリーコードは前の画面に表示されました。保存したことを確認のうえ、次へお進みください。"
        }
        T::RecoverySaved => "リカバリーコードを保存しました",
        T::LineConsentTitle => "回線情報の取得への同意",
        T::LineConsentIntro => "NTT西日本エリアの回線 {} から初めてログインします。",
        T::LineConsentDetail => {
            "この回線で認証を行うため、通信事業者から回線情報を受け取ります。同意いただけますか。この確認は回線ごとに一度だけです。"
        }
        T::LineConsentAgree => "同意して進む",
        // パスワード再設定・ロック解除
        T::ForgotTitle => "パスワードの再設定",
        T::ForgotIntro => {
            "ログインに使用しているメールアドレスをご入力ください。パスワードでログインするアカウントの場合、新しいパスワードを設定するためのリンクをお送りします。"
        }
        T::SendResetLink => "リンクを送信",
        T::BackToSignIn => "ログイン画面へ戻る",
        T::ForgotSentTitle => "メールをご確認ください",
        T::ForgotSentBody => {
            "ご入力のアドレスがパスワードでログインするアカウントのものであれば、新しいパスワードを設定するためのリンクをお送りしました。リンクの有効期限は14日間です。メールが届かない場合は、アドレスと迷惑メールフォルダをご確認ください。"
        }
        T::ResetTitle => "新しいパスワードの設定",
        T::ResetIntro => {
            "{} の新しいパスワードを設定してください。設定後、アカウントのロックは解除され、次回ログイン時に二段階認証を再設定していただきます。また、すべての端末からログアウトします。"
        }
        T::SetPassword => "パスワードを設定",
        T::UnlockTitle => "アカウントのロック解除",
        T::UnlockIntro => {
            "パスワードを続けて間違えたため、アカウントがロックされています。ボタンを押してロックを解除し、改めてログインしてください。"
        }
        T::UnlockButton => "ロックを解除する",
        // 招待・メールのリンク
        T::InvitationTitle => "ユーザー登録",
        T::InvitationIntro => "{} のサービスに招待されています。ログイン方法をお選びください。",
        T::ChooseMethodTitle => "ログイン方法の選択",
        T::ReviewButton => "確認画面へ",
        T::ReviewTitle => "登録内容の確認",
        T::ReviewIntro => "以下の内容をご確認ください。まだ登録は完了していません。",
        T::RegisterButton => "登録する",
        T::BackToEdit => "修正する",
        T::ReviewPasswordNote => {
            "パスワードは入力いただいたものを使います（安全のため、この画面には表示しません）。"
        }
        T::PasswordKeptNote => {
            "入力いただいたパスワードは保持しています。このまま確認画面に戻れます。変更する場合は、新しいパスワードを入力してください。"
        }
        T::BackToReview => "確認画面に戻る",
        T::RegisteredTitle => "登録が完了しました",
        T::RegisteredBody => "アカウントの準備ができました。ログインしてご利用ください。",
        T::EmailChangeTitle => "メールアドレスの変更",
        T::EmailChangeIntro => "メールアドレス（ログインID）を {} に変更します。",
        T::EmailChangeNeedsPassword => {
            "あわせて新しいパスワードを設定してください。次回ログイン時に二段階認証を再設定していただきます。"
        }
        T::CompleteChange => "変更を完了する",
        T::MethodChangeTitle => "ログイン方法の変更",
        T::MethodChangeIntro => "{} の新しいログイン方法をお選びください。",
        T::SetMethodButton => "このログイン方法にする",
        // トップページ・ログイン中の端末
        T::HomeTitle => "トップページ",
        T::HomeIntro => "{} 様、ようこそ。",
        T::SettingsMenuLink => "認証・契約設定",
        T::SignOut => "ログアウト",
        T::SessionsTitle => "ログイン中の端末",
        T::SessionsIntro => {
            "お使いのアカウントにログインしているブラウザの一覧です。心当たりのないものはログアウトさせてください。"
        }
        T::SessionStarted => "ログイン日時",
        T::SessionLastSeen => "最終利用",
        T::SessionWhere => "接続元",
        T::SessionBrowser => "ブラウザ",
        T::SettingsScope => "設定メニュー",
        T::ThisSession => "このブラウザ",
        T::EndSession => "ログアウトさせる",
        T::NoSessions => "ログイン中のセッションはありません。",
        // 設定メニュー
        T::SettingsTitle => "認証・契約設定",
        T::SettingsIntro => "変更する項目をお選びください。",
        T::BackToSettings => "設定メニューへ戻る",
        T::CurrentSetting => "現在の設定",
        T::ItemLoginMethod => "ログイン方法",
        T::ItemEmailChange => "メールアドレス",
        T::ItemPasswordChange => "パスワード",
        T::ItemAccessRoute => "アクセス経路",
        T::ItemTwoFactor => "二段階認証",
        T::ItemActiveDirectory => "Active Directory 連携",
        T::ItemContract => "契約情報",
        T::ItemPlan => "プラン",
        T::ItemCancel => "解約",
        T::PasswordChangeIntro => {
            "現在のパスワードと新しいパスワードをご入力ください。変更後、他の端末からはログアウトします。"
        }
        T::ChangePasswordButton => "パスワードを変更",
        T::EmailRequestIntro => {
            "現在のメールアドレスは {} です。新しいアドレスへ確認用のリンクをお送りします。リンクを開いた時点で変更が完了します。"
        }
        T::NewEmail => "新しいメールアドレス",
        T::NewEmailAgain => "新しいメールアドレス（確認用）",
        T::SendConfirmation => "確認メールを送信",
        T::OwnMethodIntro => {
            "ログイン方法をお選びください。次回ログイン時に二段階認証を再設定していただきます。"
        }
        T::OwnerNoAd => "契約者は Active Directory でログインすることはできません。",
        T::RouteIntro => {
            "ご契約のアカウントがどこからログインできるかを設定します。変更は、各アカウントの次回ログインから適用されます。"
        }
        T::RouteLineAndInternet => "登録回線とインターネット",
        T::RouteLineOnly => "登録回線のみ",
        T::RouteConfirmTitle => "アクセス経路の変更確認",
        T::RouteConfirmIntro => "アクセス経路を「{}」に変更します。よろしいですか。",
        T::RouteLineOnlyWarning => {
            "変更後は、契約者の設定メニューへのログインを除き、インターネットからはログインできなくなります。事前に回線番号が正しく登録されていることをご確認ください。"
        }
        T::ConfirmChange => "変更する",
        T::TwoFactorIntro => {
            "パスワードでログインするアカウントに、インターネット経由のログイン時の二段階認証を求めるかどうかを設定します。"
        }
        T::PolicyEnabled => "必須にする（推奨）",
        T::PolicyDisabled => "必須にしない",
        T::TwoFactorRisk => {
            "二段階認証を無効にすると、パスワードを知った第三者がログインできるおそれがあります。無効にするには、このリスクをご確認ください。"
        }
        T::AcknowledgeRisk => "二段階認証を無効にするリスクを理解しました",
        T::AdIntro => {
            "ご契約のユーザーが Active Directory（ADFS）でログインできるようにします。SAML 2.0 ではフェデレーションメタデータのURL（または内容）を、OpenID Connect（ADFS 2016 以降）では構成情報のURLとクライアントID・シークレットをご入力ください。ログイン用のアドレスと接続IDをメールでお知らせします。"
        }
        T::AdEnabledIntro => "ご契約では Active Directory 連携が有効です。",
        T::ConnectionId => "接続ID",
        T::MetadataUrl => "ADFS フェデレーションメタデータのURL",
        T::MetadataUrlHint => "https:// で始まるURLをご入力ください。",
        T::EnabledAt => "有効化日時",
        T::EnableAd => "Active Directory 連携を有効にする",
        T::AdProtocolLegend => "プロトコル",
        T::AdProtocolSaml => "SAML 2.0",
        T::AdProtocolOidc => "OpenID Connect（ADFS 2016 以降）",
        T::MetadataXml => "またはメタデータ（XML）を貼り付け",
        T::MetadataXmlHint => {
            "SAML でURLを使わない場合のみ。URLか貼り付けのどちらか一方をご入力ください。"
        }
        T::MetadataFile => "ファイル（FederationMetadata.xml）から読み込む",
        T::DiscoveryUrlHint => {
            "OpenID Connect の場合は https://ADFSのホスト名/adfs/.well-known/openid-configuration をご入力ください。"
        }
        T::AdClientId => "クライアントID（OpenID Connect）",
        T::AdClientSecret => "クライアントシークレット（OpenID Connect）",
        T::AdClientSecretKeep => "変更しない場合は空欄のままにしてください。",
        T::AdSubjectLegend => "利用者を識別する値",
        T::AdSubjectPersistent => "永続的な NameID（OpenID Connect は sub）",
        T::AdSubjectUpn => "UPN（ユーザー プリンシパル名）",
        T::AdSubjectGuid => "オブジェクトGUID",
        T::AdStatus => "状態",
        T::AdStatusOn => "利用中",
        T::AdStatusOff => "停止中",
        T::AdTurnedOffIntro => {
            "Active Directory 連携は停止しています。AD でログインする利用者はログインできません。もう一度有効にすると、同じ接続IDで再開します。"
        }
        T::AdAddressInternet => "ADログイン用URL（インターネット）",
        T::AdAddressLine => "ADログイン用URL（回線）",
        T::AdRelyingPartyTitle => "ADFS に登録する値",
        T::AdRelyingPartyIntro => {
            "ADFS の管理者は、次の値で証明書利用者信頼（SAML）またはアプリケーション グループ（OpenID Connect）を登録してください。"
        }
        T::AdEntityId => "証明書利用者の識別子",
        T::AdAcsInternet => "SAML アサーション コンシューマー（インターネット）",
        T::AdAcsLine => "SAML アサーション コンシューマー（回線）",
        T::AdRedirectUris => "リダイレクトURI（OpenID Connect）",
        T::AdSpMetadata => "証明書利用者のメタデータ",
        T::AdMetadataReadAt => "メタデータの取得日時",
        T::AdEditTitle => "設定の変更",
        T::AdSave => "変更を保存",
        T::AdReread => "メタデータを今すぐ再取得",
        T::AdRereadHint => {
            "メタデータは毎日自動で再取得されます。ADFS のトークン署名証明書を更新した直後は、このボタンで反映できます。"
        }
        T::AdTurnOffTitle => "連携の停止",
        T::AdTurnOff => "Active Directory 連携を停止する",
        T::AdTurnOffConfirm => {
            "停止すると、AD でログインする利用者はログインできなくなることを理解しました"
        }
        T::NoticeAdChanged => "Active Directory 連携の設定を保存しました。",
        T::NoticeAdReread => "ADFS のメタデータを再取得しました。",
        T::NoticeAdOff => "Active Directory 連携を停止しました。",
        T::AdSignInTitle => "Active Directory でログイン",
        T::AdSignInIntro => {
            "管理者が設定した Active Directory（ADFS）でログインします。ADFS へ進み、会社のアカウントでサインインしてください。"
        }
        T::AdConnectionPrompt => "管理者から案内された接続IDを入力してください。",
        T::AdConnectionHint => "adfs- で始まる23文字です（大文字・小文字は区別しません）。",
        T::AdContinue => "ADFS へ進む",
        T::AdSignInButton => "Active Directory でログイン",
        T::AdRegisterButton => "Active Directory で登録",
        T::AdSwitchButton => "Active Directory に変更",
        T::AdConfirmTitle => "接続IDの確認",
        T::AdConfirmIntro => {
            "ご契約の接続IDは次のとおりです。管理者から案内された接続IDと同じであることをご確認のうえ、ADFS へ進んでください。"
        }
        T::AdRepostTitle => "ログイン処理中",
        T::AdRepostIntro => {
            "ADFS からの応答を確認しています。自動で進まない場合はボタンを押してください。"
        }
        T::AdRepostContinue => "続ける",
        T::Plan => "プラン",
        T::PlanBasic => "ベーシック",
        T::PlanTrialUntil => "無料トライアル（{}まで）",
        T::PlanIsBasic => "ご契約はベーシックプランです。",
        T::UpgradeIntro => {
            "トライアル終了後も引き続きご利用いただくには、有料のベーシックプランへ変更してください。"
        }
        T::UpgradeButton => "ベーシックプランへ変更",
        T::ContractSince => "ご契約日",
        T::ContractDetailsNote => "契約情報の変更は、お問い合わせ窓口までご連絡ください。",
        T::CancelWarning => {
            "解約すると、ご契約のすべてのアカウントがログインできなくなります。この操作は取り消せません。"
        }
        T::CancelConfirm => "内容を理解のうえ、解約します",
        T::CancelButton => "解約する",
        // 管理コンソール
        T::AdminTitle => "管理コンソール",
        T::UsersTitle => "ユーザー一覧",
        T::InvitationsTitle => "登録待ちの招待",
        T::NoInvitations => "登録待ちの招待はありません。",
        T::Resend => "再送信",
        T::Withdraw => "取り消す",
        T::InviteTitle => "ユーザーの招待",
        T::InviteIntro => "招待メールをお送りします。リンクの有効期限は14日間です。",
        T::GrantAdmin => "管理者権限を付与する",
        T::InviteLanguage => "招待する方の言語",
        T::InviteLanguageHint => {
            "招待メールと登録画面がこの言語で表示されます。登録後のメールもこの言語でお送りします（ご本人が設定で変更できます）。"
        }
        T::LanguageTitle => "言語の設定",
        T::LanguageIntro => {
            "お知らせメールなど、このアカウントあてのメールとSMSの言語です。画面の表示言語もこの言語に切り替わります。"
        }
        T::LanguageField => "言語",
        T::LanguageLink => "言語の設定（メール・SMS）",
        T::SendInvitation => "招待メールを送信",
        T::UserTitle => "ユーザー詳細",
        T::SendChangeTitle => "変更の案内を送信",
        T::SendChangeIntro => {
            "アドレスを変更せずに送信すると、ユーザーへログイン方法変更のリンクをお送りします。新しいアドレスを入力すると、そのアドレスへメールアドレス変更のリンクをお送りします。"
        }
        T::SendChangeButton => "送信",
        T::EndAllSessions => "すべての端末からログアウトさせる",
        T::RemoveUser => "ユーザーを削除",
        T::RemoveWarning => {
            "{}（{}）を削除します。ログイン中の端末はすぐにログアウトします。この操作は取り消せません。"
        }
        T::LinesTitle => "回線番号",
        T::LinesIntro => "ここに登録した回線からは、二段階認証なしでログインできます。",
        T::NoLines => "登録済みの回線はありません。",
        T::AddLine => "回線を登録",
        T::LineNumber => "回線番号",
        T::LineHint => "CAFに続く英数字10文字、またはCOPに続く英数字8文字です。",
        T::AuditTitle => "監査ログ",
        T::AuditIntro => "ご契約のイベントを新しい順に表示します。アカウントと内容で絞り込めます。",
        T::AuditSignInSucceeded => "ログイン",
        T::AuditSignInFailed => "ログイン失敗",
        T::AuditAccountLocked => "アカウントのロック",
        T::AuditAccountUnlocked => "ロック解除",
        T::AuditResetRequested => "パスワード再設定の依頼",
        T::AuditPasswordReset => "パスワード再設定",
        T::AuditPasswordChanged => "パスワード変更",
        T::AuditPasswordRehashed => "パスワード保存形式の更新",
        T::AuditSessionEnded => "ログアウト",
        T::AuditFactorEnrolled => "二段階認証の設定",
        T::AuditFactorPassed => "二段階認証の成功",
        T::AuditFactorFailed => "二段階認証の失敗",
        T::AuditRecoveryUsed => "リカバリーコードの使用",
        T::AuditRecoveryFailed => "リカバリーコードの誤り",
        T::AuditInvitationSent => "招待の送信",
        T::AuditInvitationAccepted => "招待の受諾",
        T::AuditEmailChangeRequested => "メールアドレス変更の依頼",
        T::AuditEmailChanged => "メールアドレス変更",
        T::AuditMethodChangeRequested => "ログイン方法変更の案内",
        T::AuditMethodChanged => "ログイン方法変更",
        T::AuditAccountRemoved => "アカウント削除",
        T::AuditSessionsEnded => "全端末のログアウト",
        T::AuditLineRegistered => "回線の登録",
        T::AuditLineRemoved => "回線の削除",
        T::AuditLineConsent => "回線情報取得への同意",
        T::AuditRouteChanged => "アクセス経路の変更",
        T::AuditAdEnabled => "Active Directory 連携の有効化",
        T::AuditPlanChanged => "プラン変更",
        T::AuditContractCancelled => "解約",
        T::AuditContractDetailsChanged => "契約情報の変更",
        T::AuditAdChanged => "Active Directory 連携の設定変更",
        T::AuditAdTurnedOff => "Active Directory 連携の無効化",
        T::AuditDirectorySignIn => "Active Directory でのログイン",
        T::AuditPolicyChanged => "二段階認証設定の変更",
        T::AuditProviderSignIn => "外部認証サービスでのログイン",
        T::AuditOther => "その他のイベント",
        T::AuditAll => "すべて",
        T::AuditFilter => "絞り込む",
        T::AuditOlder => "さらに古いイベント",
        T::AuditNewest => "最新のイベントへ",
        T::AuditNoEvents => "該当するイベントはありません。",
        T::AuditInvited => "招待中",
        T::SettingsGroupChange => "認証情報の変更",
        T::SettingsGroupSetUp => "認証情報の設定",
        T::SettingsGroupContract => "契約情報の変更",
        T::SettingsOnlyAllowed => "このアカウントで利用できる項目だけを表示しています。",
        T::ToServiceTop => "サービスのトップページへ",
        T::DetailsIntro => {
            "ご契約の情報を変更できます。変更するとご契約者様へお知らせのメールをお送りします。"
        }
        T::DetailsCompany => "会社名",
        T::DetailsCompanyHint => "ご契約名として、メールの文面やパスワードの確認に使われます。",
        T::DetailsDepartment => "部署名（任意）",
        T::DetailsContactPerson => "ご担当者名",
        T::DetailsPhone => "電話番号",
        T::DetailsPhoneHint => "例: 03-1234-5678",
        T::DetailsPostalCode => "郵便番号",
        T::DetailsPostalCodeHint => "例: 100-0001",
        T::DetailsAddress => "住所",
        T::DetailsSave => "変更を保存",
        T::NoticeDetailsChanged => "契約情報を変更しました。",
        T::PlanBasicAbout => {
            "ベーシックプランは有料のプランです。設定メニューのすべての項目をご利用いただけます。解約のお手続きをされるまで継続します。"
        }
        T::PlanToCancellation => "解約のお手続きへ",
        T::NotFoundTitle => "ページが見つかりません",
        T::NotFoundBody => {
            "お探しのページは見つかりませんでした。アドレスをお確かめのうえ、トップページからお進みください。"
        }
        T::UnlockUsedHelp => {
            "このリンクでロックはすでに解除されています。ログイン画面からログインしてください。パスワードがわからない場合や、再びロックされた場合は、「パスワードをお忘れの方」から再設定できます。"
        }
        T::LineRemoveTitle => "回線番号の削除",
        T::LineRemoveIntro => {
            "回線番号 {} を削除します。この回線からは、二段階認証なしではログインできなくなります。"
        }
        T::LineRemoveLineOnlyWarning => {
            "アクセス経路が「登録回線のみ」になっています。この回線を使っている人はログインできなくなり、回線をすべて削除すると、だれもログインできなくなります。その場合は、契約者様がインターネット経由で設定メニューにログインし、アクセス経路を戻してください。"
        }
        T::NoticeOwnMethodChanged => {
            "ログイン方法を変更しました。次回からは新しい方法でログインしてください。"
        }
        // 完了のお知らせ
        T::NoticeSignedOut => "ログアウトしました。",
        T::NoticeSignInFirst => "ログインしてください。",
        T::NoticeSignInExpired => "ログインの有効期限が切れました。もう一度ログインしてください。",
        T::NoticePasswordReset => "新しいパスワードを設定しました。ログインしてください。",
        T::NoticeUnlocked => "アカウントのロックを解除しました。ログインしてください。",
        T::NoticeEmailChanged => {
            "メールアドレスを変更しました。新しいアドレスでログインしてください。"
        }
        T::NoticeMethodChanged => "ログイン方法を変更しました。改めてログインしてください。",
        T::NoticeCodeSent => "新しい確認コードを送信しました。",
        T::NoticePasswordChanged => "パスワードを変更しました。",
        T::NoticeEmailChangeSent => "新しいアドレスへ確認用のリンクをお送りしました。",
        T::NoticeRouteChanged => "アクセス経路を変更しました。",
        T::NoticePolicyChanged => "二段階認証の設定を変更しました。",
        T::NoticeAdEnabled => {
            "Active Directory 連携を有効にしました。ログイン用のアドレスと接続IDをメールでお送りしました。"
        }
        T::NoticePlanUpgraded => "ベーシックプランへ変更しました。",
        T::NoticeCancelled => "解約の手続きが完了しました。",
        T::NoticeInvited => "招待メールを送信しました。",
        T::NoticeLanguageChanged => "言語を変更しました。",
        T::NoticeInvitationResent => "招待メールを再送信しました。",
        T::NoticeInvitationWithdrawn => "招待を取り消しました。",
        T::NoticeEmailChangeMailed => {
            "新しいアドレスへメールアドレス変更のリンクをお送りしました。"
        }
        T::NoticeMethodChangeMailed => "ユーザーへログイン方法変更のリンクをお送りしました。",
        T::NoticeSessionsEnded => "ユーザーのすべての端末をログアウトさせました。",
        T::NoticeSessionEnded => "セッションをログアウトさせました。",
        T::NoticeUserRemoved => "ユーザーを削除しました。",
        T::NoticeLineAdded => "回線を登録しました。",
        T::NoticeLineRemoved => "回線を削除しました。",
    }
}

//! What differs between providers, decided here and never taken from a provider's metadata:
//! the public addresses, how the issuer is compared, which signing algorithms are accepted and
//! which claims make the subject.

use auth_core::domain::Provider;
use openidconnect::core::CoreJwsSigningAlgorithm as Alg;

/// How the `iss` of metadata and tokens is compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum IssuerRule {
    /// Equal to one of these, byte for byte.
    Exact(Vec<String>),
    /// Microsoft's multi-tenant template: the metadata names the template with `{tenantid}`;
    /// a token's `iss` must equal the template filled with the token's own `tid`.
    TenantTemplate(String),
}

/// Which claims make the subject tobira binds (L7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SubjectRule {
    /// The `sub` claim (Google, Facebook's app-scoped ID, d-account's pairwise ID).
    Sub,
    /// Microsoft: `tid` and `oid`, never `email` or `preferred_username` ("nOAuth").
    TenantAndObject,
    /// ADFS, when the contract names people by their user principal name: `upn`.
    Upn,
    /// ADFS, when the contract names people by their directory object: `oid`.
    ObjectId,
}

/// One provider's facts.
#[derive(Debug, Clone)]
pub(crate) struct Profile {
    pub(crate) discovery_url: String,
    pub(crate) issuer: IssuerRule,
    pub(crate) algorithms: Vec<Alg>,
    pub(crate) subject: SubjectRule,
    pub(crate) scopes: &'static [&'static str],
}

impl Profile {
    /// The public facts of `provider`, with the operator's overrides of the metadata address
    /// and the issuer (tests and private deployments).
    pub(crate) fn of(
        provider: Provider,
        discovery_url: Option<&str>,
        issuer: Option<&str>,
    ) -> Option<Self> {
        let (default_discovery, default_issuer, algorithms, subject, scopes) = match provider {
            Provider::Google => (
                "https://accounts.google.com/.well-known/openid-configuration",
                IssuerRule::Exact(vec![
                    "https://accounts.google.com".into(),
                    "accounts.google.com".into(),
                ]),
                vec![Alg::RsaSsaPkcs1V15Sha256],
                SubjectRule::Sub,
                &["openid"][..],
            ),
            Provider::Microsoft => (
                "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration",
                IssuerRule::TenantTemplate(
                    "https://login.microsoftonline.com/{tenantid}/v2.0".into(),
                ),
                vec![Alg::RsaSsaPkcs1V15Sha256],
                SubjectRule::TenantAndObject,
                // `profile` makes Microsoft include `oid`.
                &["openid", "profile"][..],
            ),
            // Meta's OpenID Connect code flow with PKCE ("manually built login flow").
            Provider::Facebook => (
                "https://www.facebook.com/.well-known/openid-configuration/",
                IssuerRule::Exact(vec!["https://www.facebook.com".into()]),
                vec![Alg::RsaSsaPkcs1V15Sha256],
                SubjectRule::Sub,
                &["openid"][..],
            ),
            // docomo d-account Connect: RS256, or HS256 with the client secret.
            Provider::DAccount => (
                "https://conf.uw.docomo.ne.jp/.well-known/openid-configuration",
                IssuerRule::Exact(vec!["https://conf.uw.docomo.ne.jp/".into()]),
                vec![Alg::RsaSsaPkcs1V15Sha256, Alg::HmacSha256],
                SubjectRule::Sub,
                &["openid"][..],
            ),
        };
        let issuer = match issuer {
            Some(i) if i.contains("{tenantid}") => IssuerRule::TenantTemplate(i.to_owned()),
            Some(i) => IssuerRule::Exact(vec![i.to_owned()]),
            None => default_issuer,
        };
        Some(Self {
            discovery_url: discovery_url.unwrap_or(default_discovery).to_owned(),
            issuer,
            algorithms,
            subject,
            scopes,
        })
    }

    /// A contract's ADFS over OpenID Connect (L8): the issuer is the discovery URL without
    /// `/.well-known/openid-configuration` (ADFS: `https://HOST/adfs`), RS256 only, the subject
    /// by the connection's choice.
    pub(crate) fn adfs(discovery_url: &str, subject: auth_core::domain::AdSubject) -> Option<Self> {
        use auth_core::domain::AdSubject;
        let issuer = discovery_url
            .strip_suffix("/.well-known/openid-configuration")
            .filter(|i| !i.is_empty())?;
        Some(Self {
            discovery_url: discovery_url.to_owned(),
            issuer: IssuerRule::Exact(vec![issuer.to_owned()]),
            algorithms: vec![Alg::RsaSsaPkcs1V15Sha256],
            subject: match subject {
                AdSubject::Upn => SubjectRule::Upn,
                AdSubject::ObjectGuid => SubjectRule::ObjectId,
                AdSubject::Persistent => SubjectRule::Sub,
            },
            scopes: &["openid"],
        })
    }

    /// Whether metadata naming `issuer` belongs to this provider.
    pub(crate) fn accepts_metadata_issuer(&self, issuer: &str) -> bool {
        match &self.issuer {
            IssuerRule::Exact(list) => list.iter().any(|i| i == issuer),
            IssuerRule::TenantTemplate(template) => template == issuer,
        }
    }

    /// Whether an RFC 9207 `iss` response parameter can name this provider, checked before
    /// the code is sent anywhere (for Microsoft: the template with some tenant filled in).
    pub(crate) fn could_be_issuer(&self, iss: &str) -> bool {
        match &self.issuer {
            IssuerRule::Exact(list) => list.iter().any(|i| i == iss),
            IssuerRule::TenantTemplate(template) => {
                let Some((head, tail)) = template.split_once("{tenantid}") else {
                    return false;
                };
                iss.strip_prefix(head)
                    .and_then(|rest| rest.strip_suffix(tail))
                    .is_some_and(|tid| self.accepts_token_issuer(iss, Some(tid)))
            }
        }
    }

    /// Whether a token with tenant `tid` may name `iss` as its issuer.
    pub(crate) fn accepts_token_issuer(&self, iss: &str, tid: Option<&str>) -> bool {
        match &self.issuer {
            IssuerRule::Exact(list) => list.iter().any(|i| i == iss),
            IssuerRule::TenantTemplate(template) => tid.is_some_and(|tid| {
                !tid.is_empty()
                    && tid.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                    && template.replace("{tenantid}", tid) == iss
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn l7_microsoft_issuer_is_the_template_filled_with_the_token_tenant() {
        let p = Profile::of(Provider::Microsoft, None, None).unwrap();
        let tid = "9188040d-6c67-4c5b-b112-36a304b66dad";
        let iss = format!("https://login.microsoftonline.com/{tid}/v2.0");
        assert!(p.accepts_token_issuer(&iss, Some(tid)));
        assert!(!p.accepts_token_issuer(&iss, Some("72f988bf-86f1-41af-91ab-2d7cd011db47")));
        assert!(!p.accepts_token_issuer(&iss, None));
        assert!(!p.accepts_token_issuer(
            "https://login.microsoftonline.com/{tenantid}/v2.0",
            Some("{tenantid}")
        ));
        assert!(p.accepts_metadata_issuer("https://login.microsoftonline.com/{tenantid}/v2.0"));
    }

    #[test]
    fn l7_google_accepts_both_documented_issuers_and_only_rs256() {
        let p = Profile::of(Provider::Google, None, None).unwrap();
        assert!(p.accepts_token_issuer("https://accounts.google.com", None));
        assert!(p.accepts_token_issuer("accounts.google.com", None));
        assert!(!p.accepts_token_issuer("https://accounts.google.com/", None));
        assert_eq!(p.algorithms, vec![Alg::RsaSsaPkcs1V15Sha256]);
    }

    #[test]
    fn l7_only_d_account_allows_hs256() {
        for provider in Provider::ALL {
            let p = Profile::of(provider, None, None).unwrap();
            assert_eq!(
                p.algorithms.contains(&Alg::HmacSha256),
                provider == Provider::DAccount
            );
        }
        let d = Profile::of(Provider::DAccount, None, None).unwrap();
        assert!(d.accepts_token_issuer("https://conf.uw.docomo.ne.jp/", None));
        assert!(!d.accepts_token_issuer("https://conf.uw.docomo.ne.jp", None));
    }
}

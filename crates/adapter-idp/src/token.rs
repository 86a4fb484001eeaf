//! ID token verification (OpenID Connect Core §3.1.3.7) with every choice made here: the
//! algorithms come from the provider's profile, never from the token or the metadata; `iss`
//! is compared by the profile's rule; `aud` must contain the client ID and nothing untrusted
//! (`azp` equal to it when several); `exp` against the operation's `now`; `iat` and `nbf` no
//! later than `now` plus the skew (the library accepts any `iat` and ignores `nbf`); `nonce`
//! equal to the ceremony's.

use std::str::FromStr as _;

use auth_core::domain::Subject;
use base64::Engine as _;
use chrono::{DateTime, Duration, Utc};
use openidconnect::core::{
    CoreGenderClaim, CoreJsonWebKeySet, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm,
};
use openidconnect::{
    AdditionalClaims, ClientId, ClientSecret, IdToken, IdTokenVerifier, IssuerUrl, Nonce,
};
use serde::{Deserialize, Serialize};

use crate::profile::{Profile, SubjectRule};

/// The claims tobira reads beyond the standard ones.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct ExtraClaims {
    /// Not before (seconds since the epoch); the library does not check it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nbf: Option<i64>,
    /// Microsoft: the tenant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tid: Option<String>,
    /// Microsoft and ADFS: the user's object ID, stable across applications.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    oid: Option<String>,
    /// ADFS: the user principal name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    upn: Option<String>,
}

impl AdditionalClaims for ExtraClaims {}

type Token = IdToken<
    ExtraClaims,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;

/// What the token verification needs besides the token.
pub(crate) struct Expectations<'a> {
    pub(crate) profile: &'a Profile,
    pub(crate) client_id: &'a str,
    pub(crate) client_secret: &'a str,
    pub(crate) nonce: &'a str,
    pub(crate) now: DateTime<Utc>,
    pub(crate) skew: Duration,
    /// Microsoft: allowed tenants; empty allows any.
    pub(crate) tenants: &'a [String],
}

/// A verified token's subject (by the profile's rule) and issuer.
#[derive(Debug)]
pub(crate) struct Verified {
    pub(crate) subject: Subject,
    pub(crate) issuer: String,
}

/// The `kid` a compact JWS names in its header, unverified (only to choose keys).
pub(crate) fn header_kid(raw: &str) -> Option<String> {
    let header = raw.split('.').next()?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header)
        .ok()?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    value.get("kid")?.as_str().map(str::to_owned)
}

/// Verifies `raw` with the first of `candidates` (one key each) that its signature fits; the
/// error text (of the first candidate) is for the log.
pub(crate) fn verify(
    raw: &str,
    candidates: Vec<CoreJsonWebKeySet>,
    expect: &Expectations<'_>,
) -> Result<Verified, String> {
    let mut candidates = candidates;
    if candidates.is_empty() {
        // HS256 (d-account) needs no published key; anything else fails for want of one.
        candidates.push(CoreJsonWebKeySet::new(Vec::new()));
    }
    let mut first_error = None;
    for keys in candidates {
        match verify_with(raw, keys, expect) {
            Ok(verified) => return Ok(verified),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(first_error.unwrap_or_else(|| "no signing key".into()))
}

fn verify_with(
    raw: &str,
    keys: CoreJsonWebKeySet,
    expect: &Expectations<'_>,
) -> Result<Verified, String> {
    let token = Token::from_str(raw).map_err(|e| format!("malformed ID token: {e}"))?;
    // The issuer is compared below by the profile's rule (Microsoft's template needs the
    // token's `tid`); the library's own comparison is off, so its issuer is a placeholder.
    let placeholder = IssuerUrl::new("https://issuer.invalid".into())
        .map_err(|e| format!("issuer placeholder: {e}"))?;
    let now = expect.now;
    let latest = now + expect.skew;
    let verifier = IdTokenVerifier::new_confidential_client(
        ClientId::new(expect.client_id.to_owned()),
        ClientSecret::new(expect.client_secret.to_owned()),
        placeholder,
        keys,
    )
    .require_issuer_match(false)
    .set_allowed_algs(expect.profile.algorithms.iter().cloned())
    .set_time_fn(move || now)
    .set_issue_time_verifier_fn(move |iat| {
        if iat > latest {
            Err(format!("issued in the future ({iat})"))
        } else {
            Ok(())
        }
    });
    let nonce = Nonce::new(expect.nonce.to_owned());
    let claims = token
        .claims(&verifier, &nonce)
        .map_err(|e| format!("ID token refused: {e}"))?;
    // The library leaves `azp` unchecked; a token for another client is not ours.
    if let Some(azp) = claims.authorized_party()
        && azp.as_str() != expect.client_id
    {
        return Err(format!(
            "authorized party {:?} is not this client",
            azp.as_str()
        ));
    }
    let extra = claims.additional_claims();
    if let Some(nbf) = extra.nbf
        && nbf > latest.timestamp()
    {
        return Err(format!("ID token not valid before {nbf}"));
    }
    let issuer = claims.issuer().as_str().to_owned();
    if !expect
        .profile
        .accepts_token_issuer(&issuer, extra.tid.as_deref())
    {
        return Err(format!("unexpected issuer {issuer:?}"));
    }
    let subject = match expect.profile.subject {
        SubjectRule::Sub => claims.subject().as_str().to_owned(),
        SubjectRule::TenantAndObject => {
            let (Some(tid), Some(oid)) = (extra.tid.as_deref(), extra.oid.as_deref()) else {
                return Err("Microsoft token without tid or oid".into());
            };
            if !is_guid_like(tid) || !is_guid_like(oid) {
                return Err("Microsoft tid or oid is not an identifier".into());
            }
            if !expect.tenants.is_empty() && !expect.tenants.iter().any(|t| t == tid) {
                return Err(format!("tenant {tid} is not allowed"));
            }
            format!("{tid}/{oid}")
        }
        SubjectRule::Upn => extra
            .upn
            .clone()
            .ok_or("ID token without the upn claim the connection names the person by")?,
        SubjectRule::ObjectId => extra
            .oid
            .clone()
            .ok_or("ID token without the oid claim the connection names the person by")?,
    };
    let subject = Subject::parse(&subject).map_err(|e| format!("subject: {e}"))?;
    Ok(Verified { subject, issuer })
}

fn is_guid_like(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

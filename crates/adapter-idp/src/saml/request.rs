//! The HTTP-Redirect `AuthnRequest` and tobira's SP metadata.

use std::io::Write as _;

use base64::Engine as _;
use chrono::{DateTime, SecondsFormat, Utc};
use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};

use super::{SamlError, SamlIdp, ServiceProvider, is_ncname};

const BINDING_POST: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";
const NAMEID_PERSISTENT: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent";

/// The HTTP-Redirect binding URL for an unsigned `AuthnRequest` with ID `request_id` (an
/// NCName), `RelayState` `relay_state` and `IssueInstant` `now`, asking for a persistent
/// NameID and the answer by HTTP-POST to `sp.acs_url`.
///
/// # Errors
/// [`SamlError::InvalidRequestId`] when `request_id` is not an NCName.
pub fn authn_request_url(
    idp: &SamlIdp,
    sp: &ServiceProvider<'_>,
    request_id: &str,
    relay_state: &str,
    now: DateTime<Utc>,
) -> Result<String, SamlError> {
    if !is_ncname(request_id) {
        return Err(SamlError::InvalidRequestId);
    }
    let request = format!(
        concat!(
            r#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" "#,
            r#"xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{id}" Version="2.0" "#,
            r#"IssueInstant="{instant}" Destination="{destination}" "#,
            r#"AssertionConsumerServiceURL="{acs}" ProtocolBinding="{binding}">"#,
            r#"<saml:Issuer>{issuer}</saml:Issuer>"#,
            r#"<samlp:NameIDPolicy Format="{format}" AllowCreate="true"/>"#,
            r#"</samlp:AuthnRequest>"#
        ),
        id = request_id,
        instant = now.to_rfc3339_opts(SecondsFormat::Secs, true),
        destination = attr(idp.sso_url()),
        acs = attr(sp.acs_url),
        binding = BINDING_POST,
        issuer = text(sp.entity_id),
        format = NAMEID_PERSISTENT,
    );
    let mut deflater =
        flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing into a Vec cannot fail.
    let deflated = deflater
        .write_all(request.as_bytes())
        .and_then(|()| deflater.finish())
        .map_err(|_| SamlError::Malformed)?;
    let mut url = url::Url::parse(idp.sso_url()).map_err(|_| SamlError::NoRedirectSso)?;
    url.query_pairs_mut()
        .append_pair(
            "SAMLRequest",
            &base64::engine::general_purpose::STANDARD.encode(deflated),
        )
        .append_pair("RelayState", relay_state);
    Ok(url.into())
}

/// tobira's SP metadata for one contract: its entity ID and assertion consumer URLs
/// (HTTP-POST, the first the default). No `KeyDescriptor`: tobira neither signs requests nor
/// decrypts assertions; it wants assertions signed.
pub fn sp_metadata_xml(entity_id: &str, acs_urls: &[&str]) -> String {
    let services: String = acs_urls
        .iter()
        .enumerate()
        .map(|(index, url)| {
            format!(
                r#"<md:AssertionConsumerService Binding="{BINDING_POST}" Location="{}" index="{index}"{}/>"#,
                attr(url),
                if index == 0 { r#" isDefault="true""# } else { "" },
            )
        })
        .collect();
    format!(
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8"?>"#,
            r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{entity}">"#,
            r#"<md:SPSSODescriptor AuthnRequestsSigned="false" WantAssertionsSigned="true" "#,
            r#"protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">"#,
            r#"<md:NameIDFormat>{format}</md:NameIDFormat>{services}"#,
            r#"</md:SPSSODescriptor></md:EntityDescriptor>"#
        ),
        entity = attr(entity_id),
        format = NAMEID_PERSISTENT,
        services = services,
    )
}

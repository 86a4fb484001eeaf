//! Verification of the HTTP-POST `SAMLResponse`.
//!
//! Order: size, base64, UTF-8, no DTD (before any parser), strict parse; the shape (a
//! `Response` root, no comment, exactly one assertion directly under it and no encrypted
//! one, every signature enveloped in the Response or the Assertion and referencing exactly
//! that element's ID, RSA with SHA-256 or stronger); then xmlsec verifies every signature with
//! the metadata's certificates only (a pre-set key makes xmlsec ignore `KeyInfo`) and hands
//! back the canonical bytes the signature covers. The assertion is read from those bytes and
//! nowhere else, so content beside or around the signed element (signature wrapping) is never
//! looked at; the Response's own `Destination`, `InResponseTo` and `Status` are checked even
//! when only the assertion is signed.

use chrono::{DateTime, Utc};
use libxml::tree::{Node, NodeType};
use samael::crypto::{
    AllowedSignatureAlgorithm, CertificateDer, Crypto, CryptoProvider, ReduceMode,
};

use super::xml::{self, NS_ASSERTION, NS_DSIG, NS_PROTOCOL};
use super::{
    CLOCK_SKEW, Expected, MAX_RESPONSE_BASE64, SamlError, SamlIdp, SubjectSource, VerifiedAssertion,
};

const STATUS_SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";
const BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";

const ALLOWED: [AllowedSignatureAlgorithm; 3] = [
    AllowedSignatureAlgorithm::RsaSha256,
    AllowedSignatureAlgorithm::RsaSha384,
    AllowedSignatureAlgorithm::RsaSha512,
];

/// Verifies the base64 `SAMLResponse` of the HTTP-POST binding against `idp` and `expected`.
///
/// # Errors
/// One [`SamlError`] variant per reason; see the module documentation for the order.
pub fn verify_response(
    idp: &SamlIdp,
    saml_response_b64: &str,
    expected: &Expected<'_>,
) -> Result<VerifiedAssertion, SamlError> {
    if saml_response_b64.len() > MAX_RESPONSE_BASE64 {
        return Err(SamlError::TooLarge);
    }
    let bytes = super::decode_base64(saml_response_b64)?;
    let text = String::from_utf8(bytes).map_err(|_| SamlError::NotUtf8)?;
    let document = xml::parse_strict(&text)?;
    let root = document.get_root_element().ok_or(SamlError::Malformed)?;
    if !xml::is(&root, NS_PROTOCOL, "Response") {
        return Err(SamlError::NotAResponse);
    }

    // The shape of the whole message.
    let mut assertions = Vec::new();
    let mut signatures = Vec::new();
    for node in xml::descendants(&root) {
        match node.get_type() {
            Some(NodeType::CommentNode | NodeType::PiNode) => return Err(SamlError::Comment),
            Some(NodeType::ElementNode) => {}
            _ => continue,
        }
        if xml::is(&node, NS_ASSERTION, "EncryptedAssertion") {
            return Err(SamlError::EncryptedAssertion);
        }
        if xml::is(&node, NS_ASSERTION, "Assertion") {
            assertions.push(node);
        } else if xml::is(&node, NS_DSIG, "Signature") {
            signatures.push(node);
        }
    }
    let [assertion] = assertions.as_slice() else {
        return Err(SamlError::AssertionCount);
    };
    if assertion.get_parent().map(|p| p.node_ptr()) != Some(root.node_ptr()) {
        return Err(SamlError::AssertionCount);
    }
    if signatures.is_empty() {
        return Err(SamlError::Unsigned);
    }
    let mut response_signed = false;
    for signature in &signatures {
        let parent = signature
            .get_parent()
            .ok_or(SamlError::SignatureReference)?;
        if parent.node_ptr() == root.node_ptr() {
            response_signed = true;
        } else if parent.node_ptr() != assertion.node_ptr() {
            return Err(SamlError::SignatureReference);
        }
        if xml::children(&parent, NS_DSIG, "Signature").len() != 1 {
            return Err(SamlError::SignatureReference);
        }
        check_signature_shape(signature, &parent)?;
    }

    // xmlsec: every signature verifies with the metadata's certificates only; the canonical
    // content the (Response's, when both are signed) signature covers comes back.
    // The certificate the message names is tried first when it is one of the metadata's
    // (a hint for the order only: xmlsec tries each in turn and logs every miss).
    let named: Vec<Vec<u8>> = signatures
        .iter()
        .flat_map(|s| xml::children(s, NS_DSIG, "KeyInfo"))
        .flat_map(|k| xml::children(&k, NS_DSIG, "X509Data"))
        .flat_map(|d| xml::children(&d, NS_DSIG, "X509Certificate"))
        .filter_map(|c| super::decode_base64(&xml::text(&c)).ok())
        .collect();
    let mut certificates: Vec<&[u8]> = idp.certificates_der().collect();
    certificates.sort_by_key(|der| !named.iter().any(|n| n.as_slice() == *der));
    let certificates: Vec<CertificateDer> = certificates
        .into_iter()
        .map(|der| CertificateDer::from(der.to_vec()))
        .collect();
    let signed = Crypto::reduce_xml_to_signed_with_allowed_algorithms(
        &text,
        &certificates,
        ReduceMode::PreDigest,
        Some(&ALLOWED),
    )
    .map_err(|_| SamlError::SignatureInvalid)?;
    let signed_document = xml::parse_strict(&signed).map_err(|_| SamlError::SignatureInvalid)?;
    let signed_root = signed_document
        .get_root_element()
        .ok_or(SamlError::SignatureInvalid)?;
    let assertion_id = xml::attribute(assertion, "ID").ok_or(SamlError::Malformed)?;
    let (response, signed_assertion) = if response_signed {
        if !xml::is(&signed_root, NS_PROTOCOL, "Response")
            || xml::attribute(&signed_root, "ID") != xml::attribute(&root, "ID")
        {
            return Err(SamlError::SignatureReference);
        }
        let inner = xml::only_child(&signed_root, NS_ASSERTION, "Assertion")
            .ok_or(SamlError::AssertionCount)?;
        (signed_root.clone(), inner)
    } else {
        if !xml::is(&signed_root, NS_ASSERTION, "Assertion")
            || xml::attribute(&signed_root, "ID").as_deref() != Some(assertion_id.as_str())
        {
            return Err(SamlError::SignatureReference);
        }
        (root.clone(), signed_root.clone())
    };

    check_response(&response, idp, expected)?;
    check_assertion(&signed_assertion, idp, expected)
}

/// One `Reference` to the enclosing element's ID, enveloped-signature and exclusive
/// canonicalisation only, RSA with SHA-256 or stronger.
fn check_signature_shape(signature: &Node, parent: &Node) -> Result<(), SamlError> {
    let signed_info =
        xml::only_child(signature, NS_DSIG, "SignedInfo").ok_or(SamlError::SignatureReference)?;
    let method = xml::only_child(&signed_info, NS_DSIG, "SignatureMethod")
        .and_then(|m| xml::attribute(&m, "Algorithm"))
        .ok_or(SamlError::SignatureReference)?;
    if !ALLOWED.iter().any(|a| a.signature_uri() == method) {
        return Err(SamlError::WeakAlgorithm);
    }
    let c14n = xml::only_child(&signed_info, NS_DSIG, "CanonicalizationMethod")
        .and_then(|m| xml::attribute(&m, "Algorithm"))
        .ok_or(SamlError::SignatureReference)?;
    if c14n != EXC_C14N {
        return Err(SamlError::WeakAlgorithm);
    }
    let reference =
        xml::only_child(&signed_info, NS_DSIG, "Reference").ok_or(SamlError::SignatureReference)?;
    let digest = xml::only_child(&reference, NS_DSIG, "DigestMethod")
        .and_then(|m| xml::attribute(&m, "Algorithm"))
        .ok_or(SamlError::SignatureReference)?;
    if !ALLOWED.iter().any(|a| a.digest_uri() == digest) {
        return Err(SamlError::WeakAlgorithm);
    }
    if let Some(transforms) = xml::only_child(&reference, NS_DSIG, "Transforms") {
        for transform in transforms.get_child_elements() {
            let algorithm = xml::is(&transform, NS_DSIG, "Transform")
                .then(|| xml::attribute(&transform, "Algorithm"))
                .flatten()
                .ok_or(SamlError::SignatureReference)?;
            if algorithm != ENVELOPED && algorithm != EXC_C14N {
                return Err(SamlError::WeakAlgorithm);
            }
        }
    }
    let id = xml::attribute(parent, "ID").ok_or(SamlError::SignatureReference)?;
    if xml::attribute(&reference, "URI").as_deref() != Some(format!("#{id}").as_str()) {
        return Err(SamlError::SignatureReference);
    }
    Ok(())
}

/// The Response's own fields: status, `InResponseTo`, `Destination`, `Issuer` when present.
fn check_response(
    response: &Node,
    idp: &SamlIdp,
    expected: &Expected<'_>,
) -> Result<(), SamlError> {
    let status = xml::only_child(response, NS_PROTOCOL, "Status")
        .and_then(|s| xml::only_child(&s, NS_PROTOCOL, "StatusCode"))
        .and_then(|c| xml::attribute(&c, "Value"))
        .ok_or(SamlError::Status(String::new()))?;
    if status != STATUS_SUCCESS {
        // The code is shown and logged: only a short URN-like value is kept as it came.
        let printable = status.len() <= 100
            && status
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '.' | '_' | '-' | '/'));
        return Err(SamlError::Status(if printable {
            status
        } else {
            "(unreadable)".into()
        }));
    }
    match xml::attribute(response, "InResponseTo") {
        None => return Err(SamlError::Unsolicited),
        Some(id) if id != expected.request_id => return Err(SamlError::InResponseToMismatch),
        Some(_) => {}
    }
    if xml::attribute(response, "Destination").as_deref() != Some(expected.sp.acs_url) {
        return Err(SamlError::DestinationMismatch);
    }
    let issuers = xml::children(response, NS_ASSERTION, "Issuer");
    if issuers.len() > 1 || issuers.iter().any(|i| xml::text(i) != idp.entity_id()) {
        return Err(SamlError::IssuerMismatch);
    }
    Ok(())
}

/// The signed assertion: issuer, conditions, bearer confirmation, subject.
fn check_assertion(
    assertion: &Node,
    idp: &SamlIdp,
    expected: &Expected<'_>,
) -> Result<VerifiedAssertion, SamlError> {
    let now = expected.now;
    let assertion_id = xml::attribute(assertion, "ID").ok_or(SamlError::Malformed)?;
    let issuer = xml::only_child(assertion, NS_ASSERTION, "Issuer").map(|i| xml::text(&i));
    if issuer.as_deref() != Some(idp.entity_id()) {
        return Err(SamlError::IssuerMismatch);
    }

    // Conditions: times and audience.
    let conditions = xml::only_child(assertion, NS_ASSERTION, "Conditions")
        .ok_or(SamlError::AudienceMismatch)?;
    check_not_before(&conditions, now)?;
    let conditions_end = time(&conditions, "NotOnOrAfter")?;
    if conditions_end.is_some_and(|end| now >= end + CLOCK_SKEW) {
        return Err(SamlError::Expired);
    }
    let restrictions = xml::children(&conditions, NS_ASSERTION, "AudienceRestriction");
    if restrictions.is_empty()
        || !restrictions.iter().all(|r| {
            xml::children(r, NS_ASSERTION, "Audience")
                .iter()
                .any(|a| xml::text(a) == expected.sp.entity_id)
        })
    {
        return Err(SamlError::AudienceMismatch);
    }

    // Subject and its bearer confirmation.
    let subject =
        xml::only_child(assertion, NS_ASSERTION, "Subject").ok_or(SamlError::SubjectMissing)?;
    let bearers: Vec<Node> = xml::children(&subject, NS_ASSERTION, "SubjectConfirmation")
        .into_iter()
        .filter(|c| xml::attribute(c, "Method").as_deref() == Some(BEARER))
        .collect();
    if bearers.is_empty() {
        return Err(SamlError::NoBearerConfirmation);
    }
    let mut first_error = None;
    let mut confirmed_until = None;
    for bearer in &bearers {
        match check_bearer(bearer, expected) {
            Ok(until) => {
                confirmed_until = Some(until);
                break;
            }
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    let Some(confirmed_until) = confirmed_until else {
        return Err(first_error.unwrap_or(SamlError::NoBearerConfirmation));
    };
    let not_on_or_after = conditions_end.map_or(confirmed_until, |c| c.min(confirmed_until));

    let subject = match expected.subject {
        SubjectSource::NameId => xml::only_child(&subject, NS_ASSERTION, "NameID")
            .map(|n| xml::text(&n))
            .unwrap_or_default(),
        SubjectSource::Attribute(name) => attribute_value(assertion, name)?,
    };
    if subject.is_empty() {
        return Err(SamlError::SubjectMissing);
    }
    Ok(VerifiedAssertion {
        subject,
        assertion_id,
        not_on_or_after,
    })
}

/// One bearer `SubjectConfirmationData`: recipient, request and times; returns its
/// `NotOnOrAfter`.
fn check_bearer(bearer: &Node, expected: &Expected<'_>) -> Result<DateTime<Utc>, SamlError> {
    let data = xml::only_child(bearer, NS_ASSERTION, "SubjectConfirmationData")
        .ok_or(SamlError::NoBearerConfirmation)?;
    if xml::attribute(&data, "Recipient").as_deref() != Some(expected.sp.acs_url) {
        return Err(SamlError::RecipientMismatch);
    }
    match xml::attribute(&data, "InResponseTo") {
        None => return Err(SamlError::Unsolicited),
        Some(id) if id != expected.request_id => return Err(SamlError::InResponseToMismatch),
        Some(_) => {}
    }
    check_not_before(&data, expected.now)?;
    let end = time(&data, "NotOnOrAfter")?.ok_or(SamlError::Expired)?;
    if expected.now >= end + CLOCK_SKEW {
        return Err(SamlError::Expired);
    }
    Ok(end)
}

fn check_not_before(node: &Node, now: DateTime<Utc>) -> Result<(), SamlError> {
    if time(node, "NotBefore")?.is_some_and(|start| now + CLOCK_SKEW < start) {
        return Err(SamlError::NotYetValid);
    }
    Ok(())
}

/// An `xs:dateTime` attribute, if present.
fn time(node: &Node, name: &str) -> Result<Option<DateTime<Utc>>, SamlError> {
    xml::attribute(node, name)
        .map(|t| {
            DateTime::parse_from_rfc3339(t.trim())
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| SamlError::Malformed)
        })
        .transpose()
}

/// The single value of the attribute named `name` across the assertion's attribute
/// statements.
fn attribute_value(assertion: &Node, name: &str) -> Result<String, SamlError> {
    let mut values = Vec::new();
    for statement in xml::children(assertion, NS_ASSERTION, "AttributeStatement") {
        for attribute in xml::children(&statement, NS_ASSERTION, "Attribute") {
            if xml::attribute(&attribute, "Name").as_deref() == Some(name) {
                values.extend(
                    xml::children(&attribute, NS_ASSERTION, "AttributeValue")
                        .iter()
                        .map(xml::text),
                );
            }
        }
    }
    match values.as_slice() {
        [value] => Ok(value.clone()),
        _ => Err(SamlError::SubjectMissing),
    }
}

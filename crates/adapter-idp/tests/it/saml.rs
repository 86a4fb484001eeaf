//! L8, D1 and X7 for AD sign-in over SAML 2.0, against a real identity provider: Debian's
//! SimpleSAMLphp on loopback (`adapter_idp::saml_testing`, installed by
//! `tests/support/saml.sh`). Contract A's IdP is ADFS-shaped (only the assertion signed,
//! claim-URI attribute names, two signing certificates); contract B's signs the response.
//! Every refusal starts from a real response of these IdPs and changes it; where a test needs
//! the IdP itself to have signed something wrong, it re-signs with the IdP's own key.

use adapter_idp::saml::{
    Expected, SamlError, SamlIdp, ServiceProvider, SubjectSource, VerifiedAssertion,
    authn_request_url, sp_metadata_xml, verify_response,
};
use adapter_idp::saml_testing::{
    PostedResponse, TestKey, TestSamlIdp, TestSamlIdpOptions, TestUser, TrustedSp, UPN_CLAIM,
    sign_in_at_idp,
};
use base64::Engine as _;
use chrono::{DateTime, TimeDelta, Utc};
use samael::crypto::{Crypto, CryptoProvider};
use tokio::sync::OnceCell;

const SP_A: &str = "https://auth.example.jp/ad/adfs-a1b2c3d4e5f6g7h8i9";
const ACS_A: &str = "https://auth.example.jp/ad/adfs-a1b2c3d4e5f6g7h8i9/saml";
const ACS_A_LINE: &str = "https://line.example.jp/ad/adfs-a1b2c3d4e5f6g7h8i9/saml";
const SP_B: &str = "https://auth.example.jp/ad/adfs-b9c8d7e6f5g4h3i2j1";
const ACS_B: &str = "https://auth.example.jp/ad/adfs-b9c8d7e6f5g4h3i2j1/saml";

const ALICE_ID: &str = "5b0e3c9a-0d6e-4f7a-9f43-1b2c3d4e5f60";
const ALICE_UPN: &str = "alice@corp-a.example";
const BOB_ID: &str = "8d1f2e3a-4b5c-4d6e-8f70-0a1b2c3d4e5f";
const BOB_UPN: &str = "bob@corp-b.example";

/// The real IdPs stamp their assertions with the real clock; the operation's time must be it.
#[allow(clippy::disallowed_methods)]
fn now() -> DateTime<Utc> {
    Utc::now()
}

fn alice() -> TestUser {
    TestUser {
        name: "alice".into(),
        password: "alice-password".into(),
        object_id: ALICE_ID.into(),
        upn: ALICE_UPN.into(),
    }
}

fn bob() -> TestUser {
    TestUser {
        name: "bob".into(),
        password: "bob-password".into(),
        object_id: BOB_ID.into(),
        upn: BOB_UPN.into(),
    }
}

fn options_a() -> TestSamlIdpOptions {
    TestSamlIdpOptions {
        trusted: vec![TrustedSp {
            entity_id: SP_A.into(),
            acs_urls: vec![ACS_A.into(), ACS_A_LINE.into()],
        }],
        users: vec![alice()],
        assertion_only_signed: true,
        claim_uri_attributes: true,
    }
}

fn options_b() -> TestSamlIdpOptions {
    TestSamlIdpOptions {
        trusted: vec![TrustedSp {
            entity_id: SP_B.into(),
            acs_urls: vec![ACS_B.into()],
        }],
        users: vec![bob()],
        assertion_only_signed: false,
        claim_uri_attributes: false,
    }
}

/// One contract's IdP as tobira would know it.
struct Contract {
    idp: TestSamlIdp,
    saml: SamlIdp,
    sp: &'static str,
    acs: &'static str,
    user: TestUser,
}

async fn contract(options: TestSamlIdpOptions, sp: &'static str, acs: &'static str) -> Contract {
    let user = options.users[0].clone();
    let idp = TestSamlIdp::start(options).unwrap();
    let saml = SamlIdp::from_metadata(&idp.metadata_xml().await.unwrap()).unwrap();
    Contract {
        idp,
        saml,
        sp,
        acs,
        user,
    }
}

/// Contract A's ADFS-shaped IdP, shared by the tests that do not change it.
async fn a() -> &'static Contract {
    static A: OnceCell<Contract> = OnceCell::const_new();
    A.get_or_init(|| contract(options_a(), SP_A, ACS_A)).await
}

/// Contract B's IdP (signed responses), shared likewise.
async fn b() -> &'static Contract {
    static B: OnceCell<Contract> = OnceCell::const_new();
    B.get_or_init(|| contract(options_b(), SP_B, ACS_B)).await
}

impl Contract {
    fn sp(&self) -> ServiceProvider<'static> {
        ServiceProvider {
            entity_id: self.sp,
            acs_url: self.acs,
        }
    }

    /// A real sign-in at this IdP for request `request_id`, answered to `acs`.
    async fn answer_at(&self, request_id: &str, acs: &str) -> PostedResponse {
        let sp = ServiceProvider {
            entity_id: self.sp,
            acs_url: acs,
        };
        let url = authn_request_url(&self.saml, &sp, request_id, "relay-1", now()).unwrap();
        sign_in_at_idp(&url, &self.user.name, &self.user.password)
            .await
            .unwrap()
    }

    async fn answer(&self, request_id: &str) -> PostedResponse {
        self.answer_at(request_id, self.acs).await
    }

    /// The XML of a real response to `request_id`.
    async fn xml(&self, request_id: &str) -> String {
        decode(&self.answer(request_id).await.saml_response)
    }

    fn verify(
        &self,
        response_b64: &str,
        request_id: &str,
        subject: &SubjectSource,
    ) -> Result<VerifiedAssertion, SamlError> {
        verify_response(
            &self.saml,
            response_b64,
            &Expected {
                sp: self.sp(),
                request_id,
                now: now(),
                subject,
            },
        )
    }

    fn verify_xml(&self, xml: &str, request_id: &str) -> Result<VerifiedAssertion, SamlError> {
        self.verify(&encode(xml), request_id, &SubjectSource::NameId)
    }
}

fn decode(b64: &str) -> String {
    String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap(),
    )
    .unwrap()
}

fn encode(xml: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(xml)
}

/// The text between `open` and `close` (the first such span).
fn between<'a>(xml: &'a str, open: &str, close: &str) -> &'a str {
    let start = xml.find(open).unwrap() + open.len();
    let end = start + xml[start..].find(close).unwrap();
    &xml[start..end]
}

/// `xml` with the first span between `open` and `close` replaced by `with`.
fn replace_between(xml: &str, open: &str, close: &str, with: &str) -> String {
    let start = xml.find(open).unwrap() + open.len();
    let end = start + xml[start..].find(close).unwrap();
    format!("{}{}{}", &xml[..start], with, &xml[end..])
}

/// The whole first element that starts with `open` and ends with `close`.
fn element<'a>(xml: &'a str, open: &str, close: &str) -> &'a str {
    let start = xml.find(open).unwrap();
    let end = start + xml[start..].find(close).unwrap() + close.len();
    &xml[start..end]
}

/// The opening tag of the Response.
fn response_tag(xml: &str) -> &str {
    element(xml, "<samlp:Response ", ">")
}

/// Re-signs the (single) signature of `xml` with `key` after `edit` changed the document;
/// `sha1` switches both algorithms to SHA-1; `key_info` replaces the certificate the message
/// carries.
fn resign(xml: &str, key: &TestKey, sha1: bool, key_info: Option<&[u8]>) -> String {
    let mut xml = replace_between(xml, "<ds:DigestValue>", "</ds:DigestValue>", "");
    xml = replace_between(&xml, "<ds:SignatureValue>", "</ds:SignatureValue>", "");
    if sha1 {
        xml = xml
            .replace(
                "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
                "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
            )
            .replace(
                "http://www.w3.org/2001/04/xmlenc#sha256",
                "http://www.w3.org/2000/09/xmldsig#sha1",
            );
    }
    let signed = Crypto::sign_xml(xml.as_bytes(), &key.key_der).unwrap();
    // libxml writes an XML declaration; the IdPs send none.
    let signed = match signed.find("?>") {
        Some(at) if signed.starts_with("<?xml") => signed[at + 2..].trim_start().to_owned(),
        _ => signed,
    };
    match key_info {
        Some(cert) => replace_between(
            &signed,
            "<ds:X509Certificate>",
            "</ds:X509Certificate>",
            &base64::engine::general_purpose::STANDARD.encode(cert),
        ),
        None => signed,
    }
}

// ---- the positive paths -------------------------------------------------------------------

#[tokio::test]
async fn l8_saml_sign_in_at_an_adfs_shaped_idp_verifies_with_the_subject_from_the_name_id() {
    let a = a().await;
    let posted = a.answer("_req-a-nameid").await;
    assert_eq!(posted.acs_url, ACS_A);
    assert_eq!(posted.relay_state.as_deref(), Some("relay-1"));
    let xml = decode(&posted.saml_response);
    assert!(!response_tag(&xml).contains("Signature"));
    assert!(xml.contains(UPN_CLAIM), "claim-URI attribute names");
    let verified = a
        .verify(
            &posted.saml_response,
            "_req-a-nameid",
            &SubjectSource::NameId,
        )
        .unwrap();
    assert_eq!(verified.subject, ALICE_ID);
    assert!(verified.assertion_id.starts_with('_'));
    assert!(verified.not_on_or_after > now());
}

#[tokio::test]
async fn l8_saml_sign_in_takes_the_subject_from_the_upn_claim() {
    let a = a().await;
    let posted = a.answer("_req-a-upn").await;
    let verified = a
        .verify(
            &posted.saml_response,
            "_req-a-upn",
            &SubjectSource::Attribute(UPN_CLAIM.into()),
        )
        .unwrap();
    assert_eq!(verified.subject, ALICE_UPN);
    // An attribute the assertion does not carry names no subject.
    assert_eq!(
        a.verify(
            &posted.saml_response,
            "_req-a-upn",
            &SubjectSource::Attribute("upn".into())
        ),
        Err(SamlError::SubjectMissing)
    );
}

#[tokio::test]
async fn l8_saml_sign_in_with_a_signed_response_verifies() {
    let b = b().await;
    let posted = b.answer("_req-b-1").await;
    let xml = decode(&posted.saml_response);
    assert!(xml.find("<ds:Signature").unwrap() < xml.find("<saml:Assertion").unwrap());
    let verified = b
        .verify(&posted.saml_response, "_req-b-1", &SubjectSource::NameId)
        .unwrap();
    assert_eq!(verified.subject, BOB_ID);
    let verified = b
        .verify(
            &posted.saml_response,
            "_req-b-1",
            &SubjectSource::Attribute("upn".into()),
        )
        .unwrap();
    assert_eq!(verified.subject, BOB_UPN);
}

#[tokio::test]
async fn l8_saml_sign_in_at_the_line_address_verifies_with_the_line_acs_url() {
    let a = a().await;
    let posted = a.answer_at("_req-a-line", ACS_A_LINE).await;
    assert_eq!(posted.acs_url, ACS_A_LINE);
    let expected = |acs_url| Expected {
        sp: ServiceProvider {
            entity_id: SP_A,
            acs_url,
        },
        request_id: "_req-a-line",
        now: now(),
        subject: &SubjectSource::NameId,
    };
    let verified = verify_response(&a.saml, &posted.saml_response, &expected(ACS_A_LINE)).unwrap();
    assert_eq!(verified.subject, ALICE_ID);
    // The same answer is not one for the internet address.
    assert_eq!(
        verify_response(&a.saml, &posted.saml_response, &expected(ACS_A)),
        Err(SamlError::DestinationMismatch)
    );
}

#[tokio::test]
async fn l8_saml_authn_request_is_a_deflated_persistent_request_for_the_post_binding() {
    let a = a().await;
    let at = now();
    let url = authn_request_url(&a.saml, &a.sp(), "_abc-123.x", "state&more", at).unwrap();
    let url = url::Url::parse(&url).unwrap();
    assert!(url.as_str().starts_with(a.saml.sso_url()));
    let get = |name: &str| {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .unwrap()
    };
    assert_eq!(get("RelayState"), "state&more");
    let deflated = base64::engine::general_purpose::STANDARD
        .decode(get("SAMLRequest"))
        .unwrap();
    let mut request = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::DeflateDecoder::new(deflated.as_slice()),
        &mut request,
    )
    .unwrap();
    assert!(request.contains(r#"ID="_abc-123.x""#));
    assert!(request.contains(&format!(r#"AssertionConsumerServiceURL="{ACS_A}""#)));
    assert!(
        request.contains(r#"ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST""#)
    );
    assert!(request.contains("urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"));
    assert!(request.contains(&format!("<saml:Issuer>{SP_A}</saml:Issuer>")));
    for bad in ["", "1abc", "a b", "a<b", "a\"b"] {
        assert_eq!(
            authn_request_url(&a.saml, &a.sp(), bad, "", at),
            Err(SamlError::InvalidRequestId),
            "{bad:?}"
        );
    }
}

// ---- refusals: the signature ---------------------------------------------------------------

#[tokio::test]
async fn l8_saml_response_with_signature_stripped_is_refused() {
    for c in [a().await, b().await] {
        let xml = c.xml("_req-strip").await;
        let stripped = format!(
            "{}{}",
            &xml[..xml.find("<ds:Signature").unwrap()],
            &xml[xml.find("</ds:Signature>").unwrap() + "</ds:Signature>".len()..]
        );
        assert_eq!(
            c.verify_xml(&stripped, "_req-strip"),
            Err(SamlError::Unsigned)
        );
    }
}

#[tokio::test]
async fn l8_saml_byte_changed_in_signed_content_is_refused() {
    for (c, user) in [(a().await, ALICE_ID), (b().await, BOB_ID)] {
        let xml = c.xml("_req-byte").await;
        assert_eq!(c.verify_xml(&xml, "_req-byte").unwrap().subject, user);
        // One character of the NameID.
        let name_id = format!(">{user}</saml:NameID>");
        let flipped = if user.starts_with('0') { '1' } else { '0' };
        let forged = xml.replacen(
            &name_id,
            &format!(">{flipped}{}</saml:NameID>", &user[1..]),
            1,
        );
        assert_ne!(forged, xml);
        assert_eq!(
            c.verify_xml(&forged, "_req-byte"),
            Err(SamlError::SignatureInvalid)
        );
        // One character of the signature value.
        let value = between(&xml, "<ds:SignatureValue>", "</ds:SignatureValue>");
        let flipped = if value.starts_with('A') { "B" } else { "A" };
        let forged = xml.replace(value, &format!("{flipped}{}", &value[1..]));
        assert_eq!(
            c.verify_xml(&forged, "_req-byte"),
            Err(SamlError::SignatureInvalid)
        );
    }
}

#[tokio::test]
async fn l8_saml_signature_wrapping_forged_assertion_beside_the_signed_one_is_refused() {
    let a = a().await;
    let xml = a.xml("_req-xsw1").await;
    let signed = element(&xml, "<saml:Assertion ", "</saml:Assertion>");
    let forged = unsigned_forgery(signed, "_forged");
    // Before and after the signed assertion.
    for wrapped in [
        xml.replace(signed, &format!("{forged}{signed}")),
        xml.replace(signed, &format!("{signed}{forged}")),
    ] {
        assert_eq!(
            a.verify_xml(&wrapped, "_req-xsw1"),
            Err(SamlError::AssertionCount)
        );
    }
}

#[tokio::test]
async fn l8_saml_signature_wrapping_signed_assertion_hidden_in_extensions_is_refused() {
    let a = a().await;
    let xml = a.xml("_req-xsw2").await;
    let signed = element(&xml, "<saml:Assertion ", "</saml:Assertion>");
    let forged = unsigned_forgery(signed, "_forged");
    let wrapped = xml.replace(
        signed,
        &format!("<samlp:Extensions>{signed}</samlp:Extensions>{forged}"),
    );
    assert_eq!(
        a.verify_xml(&wrapped, "_req-xsw2"),
        Err(SamlError::AssertionCount)
    );
}

#[tokio::test]
async fn l8_saml_signature_wrapping_forged_assertion_around_the_signed_one_is_refused() {
    let a = a().await;
    let xml = a.xml("_req-xsw3").await;
    let signed = element(&xml, "<saml:Assertion ", "</saml:Assertion>");
    let forged = unsigned_forgery(signed, "_forged");
    // The signed assertion inside the forged one (as its advice), the forged one in place.
    let inner_end = forged.rfind("</saml:Assertion>").unwrap();
    let around = format!(
        "{}<saml:Advice>{signed}</saml:Advice>{}",
        &forged[..inner_end],
        &forged[inner_end..]
    );
    let wrapped = xml.replace(signed, &around);
    assert_eq!(
        a.verify_xml(&wrapped, "_req-xsw3"),
        Err(SamlError::AssertionCount)
    );
}

#[tokio::test]
async fn l8_saml_signature_wrapping_of_a_signed_response_is_refused() {
    let b = b().await;
    let xml = b.xml("_req-xsw4").await;
    // A new Response with a forged assertion; the signed original kept inside it.
    let signed_assertion = element(&xml, "<saml:Assertion ", "</saml:Assertion>");
    let forged = unsigned_forgery(signed_assertion, "_forged");
    let tag = response_tag(&xml);
    let outer = tag.replacen(" ID=\"", " ID=\"_outer", 1);
    let body = &xml[tag.len()..];
    let status = element(&xml, "<samlp:Status>", "</samlp:Status>");
    let wrapped = format!(
        "{outer}{status}<samlp:Extensions>{}</samlp:Extensions>{forged}</samlp:Response>",
        format_args!("{tag}{body}")
    );
    assert_eq!(
        b.verify_xml(&wrapped, "_req-xsw4"),
        Err(SamlError::AssertionCount)
    );
    // The forged assertion alone under a Response whose signature references the original.
    let moved = xml.replace(signed_assertion, &forged);
    assert_eq!(
        b.verify_xml(&moved, "_req-xsw4"),
        Err(SamlError::SignatureInvalid)
    );
}

#[tokio::test]
async fn l8_saml_signature_referencing_another_element_is_refused() {
    let a = a().await;
    let xml = a.xml("_req-ref").await;
    let response_id = between(response_tag(&xml), " ID=\"", "\"").to_owned();
    let forged = replace_between(
        &xml,
        "<ds:Reference URI=\"",
        "\"",
        &format!("#{response_id}"),
    );
    assert_eq!(
        a.verify_xml(&forged, "_req-ref"),
        Err(SamlError::SignatureReference)
    );
}

/// An unsigned copy of `signed` with another ID and NameID.
fn unsigned_forgery(signed: &str, id: &str) -> String {
    let forged = match signed.find("<ds:Signature") {
        Some(_) => signed.replace(element(signed, "<ds:Signature", "</ds:Signature>"), ""),
        None => signed.to_owned(),
    };
    let forged = replace_between(&forged, " ID=\"", "\"", id);
    forged
        .replace(ALICE_ID, "attacker")
        .replace(BOB_ID, "attacker")
}

#[tokio::test]
async fn l8_saml_comment_inside_the_name_id_is_refused() {
    let a = a().await;
    let xml = a.xml("_req-comment").await;
    // Canonicalisation drops comments, so the signature still holds; a reader stopping at the
    // first text node would see only the part before the comment.
    let split = xml.replacen(
        &format!(">{ALICE_ID}<"),
        &format!(">{}<!---->{}<", &ALICE_ID[..8], &ALICE_ID[8..]),
        1,
    );
    assert_ne!(split, xml);
    assert_eq!(
        a.verify_xml(&split, "_req-comment"),
        Err(SamlError::Comment)
    );
}

#[tokio::test]
async fn l8_saml_attackers_certificate_in_key_info_is_refused() {
    let a = a().await;
    let attacker = TestKey::generate("attacker").unwrap();
    let xml = a.xml("_req-keyinfo").await;
    let forged = resign(
        &xml.replace(ALICE_ID, "attacker"),
        &attacker,
        false,
        Some(&attacker.cert_der),
    );
    assert!(forged.contains(&base64::engine::general_purpose::STANDARD.encode(&attacker.cert_der)));
    assert_eq!(
        a.verify_xml(&forged, "_req-keyinfo"),
        Err(SamlError::SignatureInvalid)
    );
    // The same re-signing with the IdP's own key passes: the refusal is the key's.
    let genuine = resign(&xml, &a.idp.keys()[0], false, None);
    assert_eq!(
        a.verify_xml(&genuine, "_req-keyinfo").unwrap().subject,
        ALICE_ID
    );
}

#[tokio::test]
async fn l8_saml_sha1_is_refused() {
    for c in [a().await, b().await] {
        let xml = c.xml("_req-sha1").await;
        // Signed with the IdP's own key, but SHA-1 for both the signature and the digest.
        let sha1 = resign(&xml, &c.idp.keys()[0], true, None);
        assert!(sha1.contains("#rsa-sha1"));
        assert_eq!(
            c.verify_xml(&sha1, "_req-sha1"),
            Err(SamlError::WeakAlgorithm)
        );
    }
}

#[tokio::test]
async fn l8_saml_sha1_digest_under_an_rsa_sha256_signature_is_refused() {
    let a = a().await;
    let xml = a.xml("_req-sha1-digest").await;
    let weak = xml.replace(
        "http://www.w3.org/2001/04/xmlenc#sha256",
        "http://www.w3.org/2000/09/xmldsig#sha1",
    );
    let weak = resign(&weak, &a.idp.keys()[0], false, None);
    assert_eq!(
        a.verify_xml(&weak, "_req-sha1-digest"),
        Err(SamlError::WeakAlgorithm)
    );
}

// ---- refusals: the request, the addresses, the times ---------------------------------------

#[tokio::test]
async fn l8_saml_response_to_another_request_is_refused() {
    for c in [a().await, b().await] {
        let posted = c.answer("_req-mine").await;
        assert_eq!(
            c.verify(&posted.saml_response, "_req-other", &SubjectSource::NameId),
            Err(SamlError::InResponseToMismatch)
        );
    }
    // Contract A signs only the assertion: the unsigned Response's InResponseTo changed to
    // the expected one still meets the assertion's own.
    let a = a().await;
    let xml = a.xml("_req-first").await;
    let changed = xml.replacen(
        r#"InResponseTo="_req-first""#,
        r#"InResponseTo="_req-second""#,
        1,
    );
    assert_eq!(
        a.verify_xml(&changed, "_req-second"),
        Err(SamlError::InResponseToMismatch)
    );
}

#[tokio::test]
async fn l8_saml_unsolicited_response_is_refused() {
    let a = a().await;
    let xml = a.xml("_req-unsolicited").await;
    let tag = response_tag(&xml);
    let unsolicited = xml.replacen(
        tag,
        &tag.replace(r#" InResponseTo="_req-unsolicited""#, ""),
        1,
    );
    assert_eq!(
        a.verify_xml(&unsolicited, "_req-unsolicited"),
        Err(SamlError::Unsolicited)
    );
    // The IdP's own signature on an assertion without InResponseTo does not help.
    let key = &a.idp.keys()[0];
    let idp_initiated = resign(
        &unsolicited.replace(r#" InResponseTo="_req-unsolicited""#, ""),
        key,
        false,
        None,
    );
    let tag = response_tag(&idp_initiated).to_owned();
    let idp_initiated = idp_initiated.replacen(
        &tag,
        &tag.replacen(" ID=", r#" InResponseTo="_req-unsolicited" ID="#, 1),
        1,
    );
    assert_eq!(
        a.verify_xml(&idp_initiated, "_req-unsolicited"),
        Err(SamlError::Unsolicited)
    );
}

#[tokio::test]
async fn l8_saml_wrong_audience_is_refused() {
    let a = a().await;
    let posted = a.answer("_req-audience").await;
    let result = verify_response(
        &a.saml,
        &posted.saml_response,
        &Expected {
            sp: ServiceProvider {
                entity_id: "https://auth.example.jp/ad/adfs-other",
                acs_url: ACS_A,
            },
            request_id: "_req-audience",
            now: now(),
            subject: &SubjectSource::NameId,
        },
    );
    assert_eq!(result, Err(SamlError::AudienceMismatch));
}

#[tokio::test]
async fn l8_saml_wrong_destination_is_refused() {
    let a = a().await;
    let posted = a.answer("_req-destination").await;
    let result = verify_response(
        &a.saml,
        &posted.saml_response,
        &Expected {
            sp: ServiceProvider {
                entity_id: SP_A,
                acs_url: "https://evil.example/ad/adfs-a1b2c3d4e5f6g7h8i9/saml",
            },
            request_id: "_req-destination",
            now: now(),
            subject: &SubjectSource::NameId,
        },
    );
    assert_eq!(result, Err(SamlError::DestinationMismatch));
    // The unsigned Response's Destination is checked although only the assertion is signed.
    let xml = decode(&posted.saml_response);
    let moved = xml.replacen(
        &format!(r#"Destination="{ACS_A}""#),
        r#"Destination="https://evil.example/saml""#,
        1,
    );
    assert_eq!(
        a.verify_xml(&moved, "_req-destination"),
        Err(SamlError::DestinationMismatch)
    );
}

#[tokio::test]
async fn l8_saml_wrong_recipient_is_refused() {
    let a = a().await;
    let xml = a.xml("_req-recipient").await;
    let other = xml.replace(
        &format!(r#"Recipient="{ACS_A}""#),
        r#"Recipient="https://evil.example/saml""#,
    );
    let signed = resign(&other, &a.idp.keys()[0], false, None);
    assert_eq!(
        a.verify_xml(&signed, "_req-recipient"),
        Err(SamlError::RecipientMismatch)
    );
}

#[tokio::test]
async fn l8_saml_expired_assertion_is_refused() {
    let a = a().await;
    let posted = a.answer("_req-expired").await;
    let at = |now| Expected {
        sp: a.sp(),
        request_id: "_req-expired",
        now,
        subject: &SubjectSource::NameId,
    };
    let verified = verify_response(&a.saml, &posted.saml_response, &at(now())).unwrap();
    let late = verified.not_on_or_after + TimeDelta::seconds(61);
    assert_eq!(
        verify_response(&a.saml, &posted.saml_response, &at(late)),
        Err(SamlError::Expired)
    );
    // Within the skew it is still good.
    let skewed = verified.not_on_or_after + TimeDelta::seconds(59);
    assert!(verify_response(&a.saml, &posted.saml_response, &at(skewed)).is_ok());
    // Before NotBefore (beyond the skew) it is not yet valid.
    assert_eq!(
        verify_response(
            &a.saml,
            &posted.saml_response,
            &at(now() - TimeDelta::minutes(10))
        ),
        Err(SamlError::NotYetValid)
    );
}

#[tokio::test]
async fn l8_saml_non_success_status_is_refused() {
    let a = a().await;
    let xml = a.xml("_req-status").await;
    let denied = xml.replace(
        "urn:oasis:names:tc:SAML:2.0:status:Success",
        "urn:oasis:names:tc:SAML:2.0:status:Responder",
    );
    assert_eq!(
        a.verify_xml(&denied, "_req-status"),
        Err(SamlError::Status(
            "urn:oasis:names:tc:SAML:2.0:status:Responder".into()
        ))
    );
}

#[tokio::test]
async fn l8_saml_other_issuer_is_refused() {
    let a = a().await;
    let xml = a.xml("_req-issuer").await;
    let issuer = a.saml.entity_id().to_owned();
    // The unsigned Response's Issuer.
    let response_issuer = xml.replacen(&issuer, "https://evil.example/adfs/services/trust", 1);
    assert_eq!(
        a.verify_xml(&response_issuer, "_req-issuer"),
        Err(SamlError::IssuerMismatch)
    );
    // The assertion's, signed with the IdP's key.
    let assertion_issuer = resign(
        &xml.replace(&issuer, "https://evil.example/adfs/services/trust")
            .replacen("https://evil.example/adfs/services/trust", &issuer, 1),
        &a.idp.keys()[0],
        false,
        None,
    );
    assert_eq!(
        a.verify_xml(&assertion_issuer, "_req-issuer"),
        Err(SamlError::IssuerMismatch)
    );
}

// ---- refusals: the message's form ----------------------------------------------------------

#[tokio::test]
async fn l8_saml_encrypted_assertion_is_refused() {
    let a = a().await;
    let xml = a.xml("_req-encrypted").await;
    let signed = element(&xml, "<saml:Assertion ", "</saml:Assertion>");
    let encrypted = xml.replace(
        signed,
        &format!("{signed}<saml:EncryptedAssertion><x/></saml:EncryptedAssertion>"),
    );
    assert_eq!(
        a.verify_xml(&encrypted, "_req-encrypted"),
        Err(SamlError::EncryptedAssertion)
    );
}

#[tokio::test]
async fn l8_saml_doctype_is_refused() {
    let a = a().await;
    let xml = a.xml("_req-doctype").await;
    let doctype = format!(
        "<!DOCTYPE samlp:Response [<!ENTITY id \"{ALICE_ID}\">]>{}",
        xml.replace(ALICE_ID, "&id;")
    );
    assert_eq!(
        a.verify_xml(&doctype, "_req-doctype"),
        Err(SamlError::Doctype)
    );
    let entity_only = format!("<!ENTITY x \"y\">{xml}");
    assert_eq!(
        a.verify_xml(&entity_only, "_req-doctype"),
        Err(SamlError::Doctype)
    );
}

#[tokio::test]
async fn l8_saml_oversized_body_is_refused() {
    let a = a().await;
    let xml = a.xml("_req-big").await;
    let padded = xml.replacen(
        "</samlp:Response>",
        &format!("<!--{}--></samlp:Response>", "x".repeat(200 * 1024)),
        1,
    );
    assert_eq!(a.verify_xml(&padded, "_req-big"), Err(SamlError::TooLarge));
    assert_eq!(
        a.verify(
            &"A".repeat(256 * 1024 + 4),
            "_req-big",
            &SubjectSource::NameId
        ),
        Err(SamlError::TooLarge)
    );
}

#[tokio::test]
async fn l8_saml_garbage_is_refused_with_its_reason() {
    let a = a().await;
    let id = "_req-garbage";
    let nameid = &SubjectSource::NameId;
    assert_eq!(
        a.verify("not base64!", id, nameid),
        Err(SamlError::NotBase64)
    );
    assert_eq!(
        a.verify(&encode("\u{0}\u{ff}"), id, nameid),
        Err(SamlError::Malformed)
    );
    let latin1 = base64::engine::general_purpose::STANDARD.encode([0xff, 0xfe, 0x3c]);
    assert_eq!(a.verify(&latin1, id, nameid), Err(SamlError::NotUtf8));
    assert_eq!(a.verify_xml("<a><b></a>", id), Err(SamlError::Malformed));
    assert_eq!(
        a.verify_xml(
            r#"<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"/>"#,
            id
        ),
        Err(SamlError::NotAResponse)
    );
    let xml = a.xml(id).await;
    let signed = element(&xml, "<saml:Assertion ", "</saml:Assertion>");
    assert_eq!(
        a.verify_xml(&xml.replace(signed, ""), id),
        Err(SamlError::AssertionCount)
    );
    let pi = xml.replacen("<saml:Issuer>", "<?evil x?><saml:Issuer>", 1);
    assert_eq!(a.verify_xml(&pi, id), Err(SamlError::Comment));
}

// ---- D1: metadata ---------------------------------------------------------------------------

#[tokio::test]
async fn d1_metadata_of_an_adfs_shaped_idp_is_read_with_both_signing_certificates() {
    let a = a().await;
    assert_eq!(a.saml.entity_id(), a.idp.entity_id());
    assert!(a.saml.entity_id().ends_with("/adfs/services/trust"));
    assert!(a.saml.sso_url().ends_with("/saml2/idp/SSOService.php"));
    let certs = a.saml.signing_certificates();
    assert_eq!(certs.len(), 2);
    assert_ne!(certs[0].sha256_fingerprint, certs[1].sha256_fingerprint);
    assert_eq!(certs[0].sha256_fingerprint.len(), 32 * 3 - 1);
    assert!(certs.iter().any(|c| c.subject == "CN=adfs-next"));
    assert!(certs.iter().all(|c| c.not_after.is_some_and(|t| t > now())));
}

#[tokio::test]
async fn d1_both_signing_certificates_of_the_metadata_are_trusted() {
    // A rollover: the IdP starts signing with the "next" certificate its metadata already
    // published; the metadata read before the switch verifies both.
    let mut options = options_a();
    options.users = vec![alice()];
    let c = contract(options, SP_A, ACS_A).await;
    let before = c.answer("_req-roll-1").await;
    c.idp.sign_with(1).unwrap();
    let after = c.answer("_req-roll-2").await;
    let cert_of = |posted: &PostedResponse| {
        between(
            &decode(&posted.saml_response),
            "<ds:X509Certificate>",
            "</ds:X509Certificate>",
        )
        .to_owned()
    };
    assert_ne!(cert_of(&before), cert_of(&after), "the IdP switched keys");
    for (posted, id) in [(&before, "_req-roll-1"), (&after, "_req-roll-2")] {
        let verified = c
            .verify(&posted.saml_response, id, &SubjectSource::NameId)
            .unwrap();
        assert_eq!(verified.subject, ALICE_ID);
    }
    // Metadata with only the old certificate refuses the new signatures.
    let old_only = c.idp.metadata_xml().await.unwrap();
    let next = base64::engine::general_purpose::STANDARD.encode(&c.idp.keys()[1].cert_der);
    let old_only = strip_key_descriptors_with(&old_only, &next);
    let old = SamlIdp::from_metadata(&old_only).unwrap();
    assert_eq!(old.signing_certificates().len(), 1);
    let result = verify_response(
        &old,
        &after.saml_response,
        &Expected {
            sp: c.sp(),
            request_id: "_req-roll-2",
            now: now(),
            subject: &SubjectSource::NameId,
        },
    );
    assert_eq!(result, Err(SamlError::SignatureInvalid));
}

/// Removes every `KeyDescriptor` holding `cert_b64`.
fn strip_key_descriptors_with(xml: &str, cert_b64: &str) -> String {
    let mut out = String::new();
    let mut rest = xml;
    while let Some(start) = rest.find("<md:KeyDescriptor") {
        let end = start + rest[start..].find("</md:KeyDescriptor>").unwrap() + 19;
        out.push_str(&rest[..start]);
        if !rest[start..end].contains(cert_b64) {
            out.push_str(&rest[start..end]);
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

const METADATA: &str = r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="http://adfs.corp.example/adfs/services/trust"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>CERT</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor><md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://adfs.corp.example/adfs/ls/"/></md:IDPSSODescriptor></md:EntityDescriptor>"#;

fn metadata_with_cert() -> String {
    let key = TestKey::generate("adfs").unwrap();
    METADATA.replace(
        "CERT",
        &base64::engine::general_purpose::STANDARD.encode(&key.cert_der),
    )
}

#[test]
fn d1_metadata_in_adfs_form_is_read() {
    let idp = SamlIdp::from_metadata(&metadata_with_cert()).unwrap();
    assert_eq!(
        idp.entity_id(),
        "http://adfs.corp.example/adfs/services/trust"
    );
    assert_eq!(idp.sso_url(), "https://adfs.corp.example/adfs/ls/");
    assert_eq!(idp.signing_certificates().len(), 1);
}

#[test]
fn d1_metadata_with_a_doctype_is_refused() {
    let xml = metadata_with_cert();
    let doctype = format!(
        "<?xml version=\"1.0\"?><!DOCTYPE md:EntityDescriptor [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>{}",
        xml.replace("http://adfs.corp.example/adfs/services/trust", "&xxe;")
    );
    assert_eq!(
        SamlIdp::from_metadata(&doctype).err(),
        Some(SamlError::Doctype)
    );
}

#[test]
fn d1_metadata_over_the_size_cap_is_refused() {
    let xml = metadata_with_cert().replace(
        "</md:EntityDescriptor>",
        &format!("<!--{}--></md:EntityDescriptor>", "x".repeat(1024 * 1024)),
    );
    assert_eq!(
        SamlIdp::from_metadata(&xml).err(),
        Some(SamlError::TooLarge)
    );
}

#[test]
fn d1_metadata_without_a_signing_certificate_is_refused() {
    let xml = metadata_with_cert();
    let encryption = xml.replace(r#"use="signing""#, r#"use="encryption""#);
    assert_eq!(
        SamlIdp::from_metadata(&encryption).err(),
        Some(SamlError::NoSigningCertificate)
    );
    let garbage = METADATA.replace("CERT", "bm90IGEgY2VydGlmaWNhdGU=");
    assert_eq!(
        SamlIdp::from_metadata(&garbage).err(),
        Some(SamlError::BadCertificate)
    );
}

#[test]
fn d1_metadata_without_a_redirect_single_sign_on_service_is_refused() {
    let xml = metadata_with_cert();
    let post_only = xml.replace("bindings:HTTP-Redirect", "bindings:HTTP-POST");
    assert_eq!(
        SamlIdp::from_metadata(&post_only).err(),
        Some(SamlError::NoRedirectSso)
    );
    let no_url = xml.replace("https://adfs.corp.example/adfs/ls/", "javascript:alert(1)");
    assert_eq!(
        SamlIdp::from_metadata(&no_url).err(),
        Some(SamlError::NoRedirectSso)
    );
}

#[test]
fn d1_metadata_that_is_not_an_idp_entity_descriptor_is_refused() {
    let xml = metadata_with_cert();
    assert_eq!(
        SamlIdp::from_metadata(&xml.replace(
            r#" entityID="http://adfs.corp.example/adfs/services/trust""#,
            ""
        ))
        .err(),
        Some(SamlError::NotMetadata)
    );
    assert_eq!(
        SamlIdp::from_metadata(&xml.replace("IDPSSODescriptor", "SPSSODescriptor")).err(),
        Some(SamlError::NoIdpDescriptor)
    );
    assert_eq!(
        SamlIdp::from_metadata("<html>").err(),
        Some(SamlError::Malformed)
    );
    assert_eq!(
        SamlIdp::from_metadata("<md:EntityDescriptor xmlns:md=\"urn:other\" entityID=\"x\"/>")
            .err(),
        Some(SamlError::NotMetadata)
    );
}

#[test]
fn d1_sp_metadata_names_the_entity_and_both_assertion_consumer_urls_without_keys() {
    let xml = sp_metadata_xml(SP_A, &[ACS_A, ACS_A_LINE]);
    assert!(xml.contains(&format!(r#"entityID="{SP_A}""#)));
    assert!(xml.contains(&format!(r#"Location="{ACS_A}" index="0" isDefault="true""#)));
    assert!(xml.contains(&format!(r#"Location="{ACS_A_LINE}" index="1""#)));
    assert!(xml.contains("bindings:HTTP-POST"));
    assert!(xml.contains(r#"WantAssertionsSigned="true""#));
    assert!(!xml.contains("KeyDescriptor"));
    let escaped = sp_metadata_xml("https://x/?a=1&b=\"2\"", &[]);
    assert!(escaped.contains("a=1&amp;b=&quot;2&quot;"));
}

// ---- X7: contracts are isolated ------------------------------------------------------------

#[tokio::test]
async fn x7_contract_a_assertion_is_refused_at_contract_b() {
    let (a, b) = (a().await, b().await);
    let posted = a.answer("_req-x7").await;
    // At B's endpoint, with B's IdP: A's IdP's signature is not B's.
    let at_b = verify_response(
        &b.saml,
        &posted.saml_response,
        &Expected {
            sp: b.sp(),
            request_id: "_req-x7",
            now: now(),
            subject: &SubjectSource::NameId,
        },
    );
    assert_eq!(at_b, Err(SamlError::SignatureInvalid));
}

#[tokio::test]
async fn x7_an_idp_shared_by_two_contracts_answers_only_the_contract_that_asked() {
    // One ADFS trusting both contracts' SPs: A's answer is not one for B.
    let mut options = options_a();
    options.trusted.push(TrustedSp {
        entity_id: SP_B.into(),
        acs_urls: vec![ACS_B.into()],
    });
    let c = contract(options, SP_A, ACS_A).await;
    let posted = c.answer("_req-x7-shared").await;
    let at = |entity_id, acs_url| Expected {
        sp: ServiceProvider { entity_id, acs_url },
        request_id: "_req-x7-shared",
        now: now(),
        subject: &SubjectSource::NameId,
    };
    assert!(verify_response(&c.saml, &posted.saml_response, &at(SP_A, ACS_A)).is_ok());
    assert_eq!(
        verify_response(&c.saml, &posted.saml_response, &at(SP_B, ACS_B)),
        Err(SamlError::DestinationMismatch)
    );
    // Even with A's addresses in the unsigned Response rewritten to B's, the signed
    // assertion's audience and recipient are A's.
    let xml = decode(&posted.saml_response).replacen(
        &format!(r#"Destination="{ACS_A}""#),
        &format!(r#"Destination="{ACS_B}""#),
        1,
    );
    assert_eq!(
        verify_response(&c.saml, &encode(&xml), &at(SP_B, ACS_B)),
        Err(SamlError::AudienceMismatch)
    );
    // Trust can be changed while running: without B, the IdP refuses to answer B.
    let mut c = c;
    c.idp
        .set_trusted(vec![TrustedSp {
            entity_id: SP_A.into(),
            acs_urls: vec![ACS_A.into()],
        }])
        .unwrap();
    let url = authn_request_url(
        &c.saml,
        &ServiceProvider {
            entity_id: SP_B,
            acs_url: ACS_B,
        },
        "_req-x7-untrusted",
        "",
        now(),
    )
    .unwrap();
    assert!(
        sign_in_at_idp(&url, "alice", "alice-password")
            .await
            .is_err()
    );
}

#[tokio::test]
async fn l8_saml_truncated_or_mangled_responses_are_refused_without_panicking() {
    let a = a().await;
    let xml = a.xml("_req-mangled").await;
    let bytes = xml.as_bytes();
    for cut in (0..bytes.len()).step_by(37) {
        let truncated = base64::engine::general_purpose::STANDARD.encode(&bytes[..cut]);
        assert!(
            a.verify(&truncated, "_req-mangled", &SubjectSource::NameId)
                .is_err()
        );
        let mut flipped = bytes.to_vec();
        flipped[cut] ^= 0x20;
        let flipped = base64::engine::general_purpose::STANDARD.encode(&flipped);
        let _ = a.verify(&flipped, "_req-mangled", &SubjectSource::NameId);
    }
}

/// A response in ADFS's own form: default namespaces instead of prefixes, a `Consent`
/// attribute, milliseconds in the times, the assertion signed and the response not.
fn adfs_response(key: &TestKey, request_id: &str, at: DateTime<Utc>) -> String {
    let time = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let template = format!(
        concat!(
            r#"<samlp:Response ID="_0c6b2bb8-1d1e-4b55-9c0a-1f2e3d4c5b6a" Version="2.0" IssueInstant="{now}" "#,
            r#"Destination="{acs}" Consent="urn:oasis:names:tc:SAML:2.0:consent:unspecified" "#,
            r#"InResponseTo="{req}" xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">"#,
            r#"<Issuer xmlns="urn:oasis:names:tc:SAML:2.0:assertion">http://adfs.corp.example/adfs/services/trust</Issuer>"#,
            r#"<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success" /></samlp:Status>"#,
            r#"<Assertion ID="_9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d" IssueInstant="{now}" Version="2.0" "#,
            r#"xmlns="urn:oasis:names:tc:SAML:2.0:assertion">"#,
            r#"<Issuer>http://adfs.corp.example/adfs/services/trust</Issuer>"#,
            r#"<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>"#,
            r#"<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#" />"#,
            r#"<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256" />"#,
            r##"<ds:Reference URI="#_9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"><ds:Transforms>"##,
            r#"<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature" />"#,
            r#"<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#" /></ds:Transforms>"#,
            r#"<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256" /><ds:DigestValue></ds:DigestValue>"#,
            r#"</ds:Reference></ds:SignedInfo><ds:SignatureValue></ds:SignatureValue>"#,
            r#"<KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>{cert}</ds:X509Certificate></ds:X509Data></KeyInfo>"#,
            r#"</ds:Signature>"#,
            r#"<Subject><NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">{alice}</NameID>"#,
            r#"<SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">"#,
            r#"<SubjectConfirmationData InResponseTo="{req}" NotOnOrAfter="{end}" Recipient="{acs}" />"#,
            r#"</SubjectConfirmation></Subject>"#,
            r#"<Conditions NotBefore="{now}" NotOnOrAfter="{later}"><AudienceRestriction><Audience>{sp}</Audience>"#,
            r#"</AudienceRestriction></Conditions>"#,
            r#"<AttributeStatement><Attribute Name="{upn_claim}"><AttributeValue>{upn}</AttributeValue></Attribute></AttributeStatement>"#,
            r#"<AuthnStatement AuthnInstant="{now}" SessionIndex="_9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d">"#,
            r#"<AuthnContext><AuthnContextClassRef>urn:federation:authentication:windows</AuthnContextClassRef>"#,
            r#"</AuthnContext></AuthnStatement></Assertion></samlp:Response>"#
        ),
        now = time(at),
        end = time(at + TimeDelta::minutes(5)),
        later = time(at + TimeDelta::hours(1)),
        acs = ACS_A,
        sp = SP_A,
        req = request_id,
        alice = ALICE_ID,
        upn_claim = UPN_CLAIM,
        upn = ALICE_UPN,
        cert = base64::engine::general_purpose::STANDARD.encode(&key.cert_der),
    );
    let signed = Crypto::sign_xml(template.as_bytes(), &key.key_der).unwrap();
    match signed.find("?>") {
        Some(at) if signed.starts_with("<?xml") => signed[at + 2..].trim_start().to_owned(),
        _ => signed,
    }
}

#[test]
fn l8_saml_response_in_adfs_form_verifies() {
    let key = TestKey::generate("adfs").unwrap();
    let metadata = METADATA.replace(
        "CERT",
        &base64::engine::general_purpose::STANDARD.encode(&key.cert_der),
    );
    let idp = SamlIdp::from_metadata(&metadata).unwrap();
    let at = now();
    let xml = adfs_response(&key, "_adfs-req-1", at);
    let expected = |subject| Expected {
        sp: ServiceProvider {
            entity_id: SP_A,
            acs_url: ACS_A,
        },
        request_id: "_adfs-req-1",
        now: at,
        subject,
    };
    let verified = verify_response(&idp, &encode(&xml), &expected(&SubjectSource::NameId)).unwrap();
    assert_eq!(verified.subject, ALICE_ID);
    assert_eq!(
        verified.assertion_id,
        "_9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
    );
    // The earlier of the confirmation's and the conditions' ends.
    assert_eq!(
        verified.not_on_or_after.timestamp_millis(),
        (at + TimeDelta::minutes(5)).timestamp_millis()
    );
    let upn = SubjectSource::Attribute(UPN_CLAIM.into());
    assert_eq!(
        verify_response(&idp, &encode(&xml), &expected(&upn))
            .unwrap()
            .subject,
        ALICE_UPN
    );
}

#[test]
fn l8_saml_responses_verify_on_many_threads_at_once() {
    // libxml2 and xmlsec hold global state; verification must hold up under parallel calls.
    let key = TestKey::generate("adfs").unwrap();
    let metadata = METADATA.replace(
        "CERT",
        &base64::engine::general_purpose::STANDARD.encode(&key.cert_der),
    );
    let idp = SamlIdp::from_metadata(&metadata).unwrap();
    let at = now();
    let good = encode(&adfs_response(&key, "_adfs-par", at));
    let bad = encode(&adfs_response(&key, "_adfs-par", at).replace(ALICE_ID, "attacker"));
    std::thread::scope(|scope| {
        for _ in 0..8 {
            scope.spawn(|| {
                for _ in 0..20 {
                    let expected = Expected {
                        sp: ServiceProvider {
                            entity_id: SP_A,
                            acs_url: ACS_A,
                        },
                        request_id: "_adfs-par",
                        now: at,
                        subject: &SubjectSource::NameId,
                    };
                    assert_eq!(
                        verify_response(&idp, &good, &expected).unwrap().subject,
                        ALICE_ID
                    );
                    assert_eq!(
                        verify_response(&idp, &bad, &expected),
                        Err(SamlError::SignatureInvalid)
                    );
                }
            });
        }
    });
}

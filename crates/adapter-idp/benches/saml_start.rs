//! The cost of starting an AD sign-in over SAML (`Directories::authorization_url`) against
//! its ceiling in the same run: building and signing nothing more than the request itself
//! from an already parsed IdP. The difference is the work on the contract's stored metadata
//! document (an ADFS-sized one, about 90 KB with two signing certificates).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
// `criterion_group!` generates an undocumented public function.
#![allow(missing_docs)]

use std::hint::black_box;

use adapter_idp::saml::{SamlIdp, ServiceProvider, authn_request_url};
use adapter_idp::saml_testing::TestKey;
use adapter_idp::{AdfsDirectories, IdpSettings};
use auth_core::domain::{
    AdConnection, AdProtocol, AdSettings, AdSubject, Ceremony, ConnectionId, DirectoryEndpoints,
    HttpsUrl, MetadataDocument, SamlMetadataSource,
};
use auth_core::ports::Directories;
use auth_core::testing::SeededSecrets;
use base64::Engine as _;
use criterion::{Criterion, criterion_group, criterion_main};

const ENTITY: &str = "http://adfs.example.co.jp/adfs/services/trust";
const SSO: &str = "https://adfs.example.co.jp/adfs/ls/";

/// Federation metadata shaped as ADFS publishes it: the SAML IdP role with two signing
/// certificates, beside WS-Federation roles that list dozens of offered claim types.
fn adfs_metadata() -> String {
    let cert = |k: &TestKey| base64::engine::general_purpose::STANDARD.encode(&k.cert_der);
    let keys: String = [TestKey::generate("a").unwrap(), TestKey::generate("b").unwrap()]
        .iter()
        .map(|k| {
            format!(
                r#"<KeyDescriptor use="signing"><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>{}</X509Certificate></X509Data></KeyInfo></KeyDescriptor>"#,
                cert(k)
            )
        })
        .collect();
    let claims: String = (0..120)
        .map(|i| {
            format!(
                r#"<auth:ClaimType xmlns:auth="http://docs.oasis-open.org/wsfed/authorization/200706" Uri="http://schemas.example.com/ws/2008/06/identity/claims/claim{i}" Optional="true"><auth:DisplayName>Claim number {i}</auth:DisplayName><auth:Description>The claim number {i} of the directory, as the federation service describes it.</auth:Description></auth:ClaimType>"#
            )
        })
        .collect();
    let role = |kind: &str| {
        format!(
            r#"<RoleDescriptor xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:fed="http://docs.oasis-open.org/wsfed/federation/200706" xsi:type="fed:{kind}" protocolSupportEnumeration="http://docs.oasis-open.org/wsfed/federation/200706">{keys}<fed:ClaimTypesOffered>{claims}</fed:ClaimTypesOffered></RoleDescriptor>"#
        )
    };
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?><EntityDescriptor ID="_meta" entityID="{ENTITY}" xmlns="urn:oasis:names:tc:SAML:2.0:metadata">{}{}<IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">{keys}<NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</NameIDFormat><SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="{SSO}"/><SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="{SSO}"/></IDPSSODescriptor></EntityDescriptor>"#,
        role("SecurityTokenServiceType"),
        role("ApplicationServiceType"),
    )
}

fn bench(c: &mut Criterion) {
    let xml = adfs_metadata();
    #[allow(clippy::disallowed_methods)]
    let now = chrono::Utc::now();
    let connection = AdConnection {
        id: ConnectionId::parse("adfs-abcdefghjkmnpqrstu").unwrap(),
        settings: AdSettings {
            protocol: AdProtocol::Saml {
                metadata: SamlMetadataSource::Url(
                    HttpsUrl::parse(
                        "https://adfs.example.co.jp/FederationMetadata/2007-06/FederationMetadata.xml",
                    )
                    .unwrap(),
                ),
            },
            subject: AdSubject::Persistent,
        },
        metadata: Some(MetadataDocument {
            xml: xml.clone(),
            read_at: now,
        }),
        enabled_at: now,
        turned_off_at: None,
        revision: 1,
    };
    let endpoints = DirectoryEndpoints {
        entity_id: "https://tobira.example.jp/ad/adfs-abcdefghjkmnpqrstu",
        saml_acs: "https://tobira.example.jp/ad/adfs-abcdefghjkmnpqrstu/saml",
        oidc_redirect: "https://tobira.example.jp/ad/adfs-abcdefghjkmnpqrstu/oidc",
    };
    let secrets = SeededSecrets::new(3);
    let ceremony = Ceremony::generate(&secrets);
    let directories = AdfsDirectories::new(IdpSettings::default()).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let parsed = SamlIdp::from_metadata(&xml).unwrap();

    let mut group = c.benchmark_group(format!("saml_start ({} KB metadata)", xml.len() / 1024));
    group.bench_function("ceiling: request from a parsed IdP", |b| {
        b.iter(|| {
            authn_request_url(
                black_box(&parsed),
                &ServiceProvider {
                    entity_id: endpoints.entity_id,
                    acs_url: endpoints.saml_acs,
                },
                &ceremony.saml_request_id(),
                &ceremony.state(),
                now,
            )
            .unwrap()
        });
    });
    group.bench_function("authorization_url", |b| {
        b.iter(|| {
            runtime
                .block_on(directories.authorization_url(
                    black_box(&connection),
                    &ceremony,
                    &endpoints,
                    now,
                ))
                .unwrap()
        });
    });
    group.bench_function("metadata parse alone", |b| {
        b.iter(|| SamlIdp::from_metadata(black_box(&xml)).unwrap());
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

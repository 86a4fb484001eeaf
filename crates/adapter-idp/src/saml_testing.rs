//! Test support (feature `testing`): a real SAML 2.0 identity provider — Debian's
//! SimpleSAMLphp served by PHP's built-in server on loopback, installed by
//! `tests/support/saml.sh` — configured like a contract's ADFS, and a client that walks its
//! sign-in like a browser without JavaScript.
//!
//! Each [`TestSamlIdp`] writes its own configuration directory (signing keys generated at
//! start) and listens on its own port, so several stand for several contracts at once.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use openssl::asn1::Asn1Time;
use openssl::bn::{BigNum, MsbOption};
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::x509::{X509, X509NameBuilder};

/// The ADFS claim URI of the user principal name.
pub const UPN_CLAIM: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn";
/// The ADFS claim URI of the object GUID.
pub const OBJECT_ID_CLAIM: &str = "http://schemas.microsoft.com/identity/claims/objectidentifier";

/// Why the test identity provider or its sign-in failed.
#[derive(Debug, thiserror::Error)]
#[error("test SAML identity provider: {0}")]
pub struct TestSamlError(String);

fn err(what: impl std::fmt::Display) -> TestSamlError {
    TestSamlError(what.to_string())
}

/// A service provider the IdP trusts.
#[derive(Debug, Clone)]
pub struct TrustedSp {
    /// Its entity ID.
    pub entity_id: String,
    /// Its assertion consumer URLs (HTTP-POST).
    pub acs_urls: Vec<String>,
}

/// A user of the IdP.
#[derive(Debug, Clone)]
pub struct TestUser {
    /// Sign-in name.
    pub name: String,
    /// Password.
    pub password: String,
    /// The persistent NameID (and object GUID attribute).
    pub object_id: String,
    /// The UPN attribute.
    pub upn: String,
}

/// How the IdP behaves.
#[derive(Debug, Clone, Default)]
pub struct TestSamlIdpOptions {
    /// The service providers it answers.
    pub trusted: Vec<TrustedSp>,
    /// Its users.
    pub users: Vec<TestUser>,
    /// ADFS style: sign the assertion, not the response (else the response is signed).
    pub assertion_only_signed: bool,
    /// ADFS style attribute names ([`UPN_CLAIM`], [`OBJECT_ID_CLAIM`]) instead of `upn` and
    /// `objectGUID`.
    pub claim_uri_attributes: bool,
}

/// One signing key pair.
#[derive(Debug, Clone)]
pub struct TestKey {
    /// The private key, PEM.
    pub key_pem: Vec<u8>,
    /// The private key, DER (for re-signing forged responses in tests).
    pub key_der: Vec<u8>,
    /// The self-signed certificate, PEM.
    pub cert_pem: Vec<u8>,
    /// The certificate, DER.
    pub cert_der: Vec<u8>,
}

impl TestKey {
    /// A fresh RSA-2048 key and a self-signed certificate for `common_name`.
    ///
    /// # Errors
    /// When OpenSSL fails.
    pub fn generate(common_name: &str) -> Result<Self, TestSamlError> {
        let rsa = Rsa::generate(2048).map_err(err)?;
        let key: PKey<Private> = PKey::from_rsa(rsa).map_err(err)?;
        let mut name = X509NameBuilder::new().map_err(err)?;
        name.append_entry_by_text("CN", common_name).map_err(err)?;
        let name = name.build();
        let mut serial = BigNum::new().map_err(err)?;
        serial.rand(64, MsbOption::MAYBE_ZERO, false).map_err(err)?;
        let mut builder = X509::builder().map_err(err)?;
        builder.set_version(2).map_err(err)?;
        let serial = serial.to_asn1_integer().map_err(err)?;
        builder.set_serial_number(&serial).map_err(err)?;
        builder.set_subject_name(&name).map_err(err)?;
        builder.set_issuer_name(&name).map_err(err)?;
        builder.set_pubkey(&key).map_err(err)?;
        let not_before = Asn1Time::days_from_now(0).map_err(err)?;
        let not_after = Asn1Time::days_from_now(365).map_err(err)?;
        builder.set_not_before(&not_before).map_err(err)?;
        builder.set_not_after(&not_after).map_err(err)?;
        builder.sign(&key, MessageDigest::sha256()).map_err(err)?;
        let cert = builder.build();
        Ok(Self {
            key_pem: key.private_key_to_pem_pkcs8().map_err(err)?,
            key_der: key.private_key_to_der().map_err(err)?,
            cert_pem: cert.to_pem().map_err(err)?,
            cert_der: cert.to_der().map_err(err)?,
        })
    }
}

/// A running SimpleSAMLphp IdP on loopback; stopped when dropped (and when the test process
/// dies: it runs under a shell that stops it once its standard input closes).
#[derive(Debug)]
pub struct TestSamlIdp {
    child: std::process::Child,
    dir: tempfile::TempDir,
    port: u16,
    options: TestSamlIdpOptions,
    keys: [TestKey; 2],
}

impl TestSamlIdp {
    /// Installs (once), configures and starts an IdP on a free loopback port, with two
    /// signing certificates in its metadata (the first signs, the second is "next").
    ///
    /// # Errors
    /// When the install script, key generation or the server fails.
    pub fn start(options: TestSamlIdpOptions) -> Result<Self, TestSamlError> {
        installed()?;
        let keys = [
            TestKey::generate("adfs-signing")?,
            TestKey::generate("adfs-next")?,
        ];
        let mut last = None;
        for _ in 0..5 {
            let dir = tempfile::Builder::new()
                .prefix("tobira-test-saml-")
                .tempdir()
                .map_err(err)?;
            let port = free_port()?;
            let mut idp = Self::write(dir, port, options.clone(), keys.clone())?;
            match idp.wait_until_listening() {
                Ok(()) => return Ok(idp),
                Err(e) => {
                    idp.stop();
                    last = Some(e);
                }
            }
        }
        Err(last.unwrap_or_else(|| err("did not start")))
    }

    fn write(
        dir: tempfile::TempDir,
        port: u16,
        options: TestSamlIdpOptions,
        keys: [TestKey; 2],
    ) -> Result<Self, TestSamlError> {
        let root = dir.path();
        for sub in ["metadata", "cert", "tmp", "log"] {
            std::fs::create_dir_all(root.join(sub)).map_err(err)?;
        }
        for (name, key) in [("a", &keys[0]), ("b", &keys[1])] {
            write_file(&root.join(format!("cert/{name}.key")), &key.key_pem)?;
            write_file(&root.join(format!("cert/{name}.crt")), &key.cert_pem)?;
        }
        let base = format!("http://127.0.0.1:{port}/");
        let r = php(&root.display().to_string());
        let config = format!(
            r#"<?php
$config = [
  'baseurlpath' => {base},
  'certdir' => {r}.'/cert/',
  'loggingdir' => {r}.'/log/',
  'datadir' => {r}.'/tmp/',
  'tempdir' => {r}.'/tmp/',
  'metadatadir' => {r}.'/metadata/',
  'attributenamemapdir' => '/usr/share/simplesamlphp/attributemap/',
  'technicalcontact_name' => 'tobira tests',
  'technicalcontact_email' => 'tests@example.invalid',
  'timezone' => 'UTC',
  'secretsalt' => {salt},
  'auth.adminpassword' => {salt},
  'admin.protectindexpage' => true,
  'admin.protectmetadata' => false,
  'admin.checkforupdates' => false,
  'showerrors' => true,
  'errorreporting' => false,
  'logging.level' => SimpleSAML\Logger::ERR,
  'logging.handler' => 'file',
  'enable.saml20-idp' => true,
  'module.enable' => ['exampleauth' => true, 'core' => true, 'saml' => true],
  'store.type' => 'phpsession',
  'session.phpsession.savepath' => {r}.'/tmp/',
  'session.cookie.secure' => false,
  'session.cookie.samesite' => null,
  'language.default' => 'en',
];
"#,
            base = php(&base),
            salt = php(&format!("salt-{port}-{}", std::process::id())),
        );
        write_file(&root.join("config.php"), config.as_bytes())?;
        let (upn, object_id) = if options.claim_uri_attributes {
            (UPN_CLAIM, OBJECT_ID_CLAIM)
        } else {
            ("upn", "objectGUID")
        };
        let users: String = options
            .users
            .iter()
            .map(|u| {
                format!(
                    "    {} => [{} => [{}], {} => [{}]],\n",
                    php(&format!("{}:{}", u.name, u.password)),
                    php(upn),
                    php(&u.upn),
                    php(object_id),
                    php(&u.object_id),
                )
            })
            .collect();
        let authsources = format!(
            "<?php\n$config = [\n  'admin' => ['core:AdminPassword'],\n  'users' => ['exampleauth:UserPass',\n{users}  ],\n];\n"
        );
        write_file(&root.join("authsources.php"), authsources.as_bytes())?;
        let child = std::process::Command::new("sh")
            .arg("-c")
            .arg(
                // Stops PHP (its own process group: the server and its workers) when standard
                // input closes, i.e. when this value is dropped or the test process is gone.
                r#"setsid php -S "127.0.0.1:$0" -t /usr/share/simplesamlphp/www >/dev/null 2>&1 & p=$!; trap 'kill -TERM -$p 2>/dev/null' EXIT; cat >/dev/null"#,
            )
            .arg(port.to_string())
            .env("SIMPLESAMLPHP_CONFIG_DIR", root)
            .env("PHP_CLI_SERVER_WORKERS", "4")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| err(format!("cannot start php: {e}")))?;
        let idp = Self {
            child,
            dir,
            port,
            options,
            keys,
        };
        idp.write_idp_hosted(0)?;
        idp.write_sp_remote()?;
        Ok(idp)
    }

    #[allow(
        clippy::disallowed_methods,
        reason = "test support: waits for a real server process to listen"
    )]
    fn wait_until_listening(&mut self) -> Result<(), TestSamlError> {
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(err(format!("php exited: {status}")));
            }
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(err("php did not listen"))
    }

    /// The IdP's entity ID (ADFS-shaped: `http://HOST/adfs/services/trust`).
    pub fn entity_id(&self) -> String {
        format!("http://127.0.0.1:{}/adfs/services/trust", self.port)
    }

    /// Its base URL.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Where its metadata is served.
    pub fn metadata_url(&self) -> String {
        format!("{}/saml2/idp/metadata.php", self.base_url())
    }

    /// Reads its metadata document.
    ///
    /// # Errors
    /// When it cannot be read.
    pub async fn metadata_xml(&self) -> Result<String, TestSamlError> {
        let response = reqwest::get(self.metadata_url()).await.map_err(err)?;
        if !response.status().is_success() {
            return Err(err(format!("metadata answered {}", response.status())));
        }
        response.text().await.map_err(err)
    }

    /// Its two signing keys: `[0]` the first, `[1]` the "next" one.
    pub fn keys(&self) -> &[TestKey; 2] {
        &self.keys
    }

    /// Replaces the service providers it answers (read per request, no restart).
    ///
    /// # Errors
    /// When the file cannot be written.
    pub fn set_trusted(&mut self, trusted: Vec<TrustedSp>) -> Result<(), TestSamlError> {
        self.options.trusted = trusted;
        self.write_sp_remote()
    }

    /// Signs with key `index` (0 or 1) from now on; both stay in the metadata (rollover).
    ///
    /// # Errors
    /// When the file cannot be written.
    pub fn sign_with(&self, index: usize) -> Result<(), TestSamlError> {
        self.write_idp_hosted(index.min(1))
    }

    fn write_idp_hosted(&self, signing: usize) -> Result<(), TestSamlError> {
        let (key, cert, next) = if signing == 0 {
            ("a.key", "a.crt", "b.crt")
        } else {
            ("b.key", "b.crt", "a.crt")
        };
        let object_id = if self.options.claim_uri_attributes {
            OBJECT_ID_CLAIM
        } else {
            "objectGUID"
        };
        let (sign_response, sign_assertion) = if self.options.assertion_only_signed {
            ("false", "true")
        } else {
            ("true", "false")
        };
        let text = format!(
            r#"<?php
$metadata[{entity}] = [
  'host' => '__DEFAULT__',
  'privatekey' => '{key}',
  'certificate' => '{cert}',
  'new_certificate' => '{next}',
  'auth' => 'users',
  'signature.algorithm' => 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  'saml20.sign.response' => {sign_response},
  'saml20.sign.assertion' => {sign_assertion},
  'attributes.NameFormat' => 'urn:oasis:names:tc:SAML:2.0:attrname-format:uri',
  'NameIDFormat' => 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
  'authproc' => [90 => ['class' => 'saml:AttributeNameID', 'attribute' => {object_id},
    'Format' => 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent']],
];
"#,
            entity = php(&self.entity_id()),
            object_id = php(object_id),
        );
        write_file(
            &self.dir.path().join("metadata/saml20-idp-hosted.php"),
            text.as_bytes(),
        )
    }

    fn write_sp_remote(&self) -> Result<(), TestSamlError> {
        let mut text = String::from("<?php\n");
        for sp in &self.options.trusted {
            let acs: String = sp
                .acs_urls
                .iter()
                .enumerate()
                .map(|(i, url)| {
                    format!(
                        "['Binding' => 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST', 'Location' => {}, 'index' => {i}], ",
                        php(url)
                    )
                })
                .collect();
            text.push_str(&format!(
                "$metadata[{}] = ['AssertionConsumerService' => [{acs}], 'NameIDFormat' => 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent'];\n",
                php(&sp.entity_id)
            ));
        }
        write_file(
            &self.dir.path().join("metadata/saml20-sp-remote.php"),
            text.as_bytes(),
        )
    }

    /// Stops the server now (to test an IdP that is down).
    pub fn stop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

impl Drop for TestSamlIdp {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A PHP single-quoted string literal.
fn php(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// Writes a file whole, replacing it atomically (the server may be reading it).
fn write_file(path: &Path, contents: &[u8]) -> Result<(), TestSamlError> {
    let tmp = path.with_extension("tmp");
    let mut file = std::fs::File::create(&tmp).map_err(err)?;
    file.write_all(contents).map_err(err)?;
    drop(file);
    std::fs::rename(&tmp, path).map_err(err)
}

fn free_port() -> Result<u16, TestSamlError> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(err)?;
    Ok(listener.local_addr().map_err(err)?.port())
}

/// Runs `tests/support/saml.sh` once per process.
fn installed() -> Result<(), TestSamlError> {
    static INSTALLED: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
    INSTALLED
        .get_or_init(|| {
            let script: PathBuf =
                Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/support/saml.sh");
            let status = std::process::Command::new("bash")
                .arg(&script)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::inherit())
                .status()
                .map_err(|e| format!("{}: {e}", script.display()))?;
            if status.success() {
                Ok(())
            } else {
                Err(format!("{} failed ({status})", script.display()))
            }
        })
        .clone()
        .map_err(TestSamlError)
}

/// What the IdP's auto-submitting form would POST to the service provider.
#[derive(Debug, Clone)]
pub struct PostedResponse {
    /// The form's action: the assertion consumer URL the IdP chose.
    pub acs_url: String,
    /// The base64 `SAMLResponse`.
    pub saml_response: String,
    /// The `RelayState`, if any.
    pub relay_state: Option<String>,
}

/// Walks the IdP's sign-in from `authn_request_url` like a browser without JavaScript (a
/// fresh cookie jar): follows the redirect to the login form, submits `user` and `password`,
/// and reads the auto-POST form the IdP answers with.
///
/// # Errors
/// When a page is not what a SimpleSAMLphp sign-in shows (e.g. a wrong password).
pub async fn sign_in_at_idp(
    authn_request_url: &str,
    user: &str,
    password: &str,
) -> Result<PostedResponse, TestSamlError> {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::limited(10))
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(err)?;
    let page = client.get(authn_request_url).send().await.map_err(err)?;
    let login_url = page.url().clone();
    let body = page.text().await.map_err(err)?;
    let auth_state = input_value(&body, "AuthState")
        .ok_or_else(|| err(format!("no login form at {login_url}: {}", excerpt(&body))))?;
    let answer = client
        .post(login_url)
        .form(&[
            ("username", user),
            ("password", password),
            ("AuthState", auth_state.as_str()),
        ])
        .send()
        .await
        .map_err(err)?;
    let body = answer.text().await.map_err(err)?;
    let saml_response = input_value(&body, "SAMLResponse")
        .ok_or_else(|| err(format!("no SAMLResponse form: {}", excerpt(&body))))?;
    let acs_url = form_action(&body).ok_or_else(|| err("no form action"))?;
    Ok(PostedResponse {
        acs_url,
        saml_response,
        relay_state: input_value(&body, "RelayState"),
    })
}

fn excerpt(body: &str) -> String {
    body.chars().take(600).collect()
}

/// The decoded `value` of the `<input>` whose `name` is `name`.
fn input_value(html: &str, name: &str) -> Option<String> {
    let needle = format!("name=\"{name}\"");
    html.match_indices("<input").find_map(|(at, _)| {
        let tag = &html[at..at + html[at..].find('>')?];
        tag.contains(&needle)
            .then(|| attribute_in_tag(tag, "value"))
            .flatten()
    })
}

fn form_action(html: &str) -> Option<String> {
    let at = html.find("<form")?;
    let tag = &html[at..at + html[at..].find('>')?];
    attribute_in_tag(tag, "action")
}

fn attribute_in_tag(tag: &str, name: &str) -> Option<String> {
    let key = format!("{name}=\"");
    let start = tag.find(&key)? + key.len();
    let end = start + tag[start..].find('"')?;
    Some(html_escape::decode_html_entities(&tag[start..end]).into_owned())
}

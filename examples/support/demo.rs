//! Shared by the example servers and the end-to-end tests: a development
//! signing key made at start, the demo users, and the one function that
//! mints tokens ([`mint_token`]).
#![allow(dead_code, unreachable_pub)]

use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use shroud::anon::{AnonPolicy, AnonymizeIssuer};
use shroud::config::{Config, KeyConfig, KeyFormat};
use shroud::jwt::{
    Algorithm, ContentEncryption, DecryptionKey, DecryptionKeySet, Encrypter, EncryptionKey, Issuer,
    KeyManagement, SigningKey,
};

/// The issuer of the demo tokens (the first issuer of the default config).
pub const ISSUER: &str = "https://id.shroud.example";
/// The audience of the demo tokens.
pub const AUDIENCE: &str = "users-api";

/// The development keys made at start: an ES256 signing key (only its
/// public half goes into the configuration) and a 256-bit secret the
/// servers decrypt tokens with (A256KW), so demo tokens are nested JWEs.
pub struct DevKey {
    signing: SigningKey,
    enc_secret: [u8; 32],
    /// The public signing key as a JWK (with `kid` and `alg`).
    pub public_jwk: String,
    /// The signing key id.
    pub kid: String,
}

impl DevKey {
    /// Fresh keys.
    pub fn generate() -> DevKey {
        let _ = jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.install_default();
        let rng = SystemRandom::new();
        let pkcs8 =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).expect("key generation");
        let pair =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref()).expect("own key");
        // Uncompressed point: 0x04 || x || y.
        let point = pair.public_key().as_ref();
        let kid = format!("dev-{}", &URL_SAFE_NO_PAD.encode(&point[1..7]));
        let public_jwk = json!({
            "kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig", "kid": kid,
            "x": URL_SAFE_NO_PAD.encode(&point[1..33]),
            "y": URL_SAFE_NO_PAD.encode(&point[33..65]),
        })
        .to_string();
        let encoding = jsonwebtoken::EncodingKey::from_ec_der(pkcs8.as_ref());
        let signing = SigningKey::from_encoding_key(&encoding, Algorithm::ES256)
            .expect("ES256 key")
            .with_kid(&kid);
        let mut enc_secret = [0u8; 32];
        aws_lc_rs::rand::fill(&mut enc_secret).expect("random");
        DevKey {
            signing,
            enc_secret,
            public_jwk,
            kid,
        }
    }

    /// Trusts this signing key in the first issuer of `config`, and adds the
    /// token decryption key to `jwt.encryption`.
    pub fn trust_in(&self, config: &mut Config) {
        let jwt = config.jwt.get_or_insert_with(Default::default);
        if jwt.issuers.is_empty() {
            jwt.issuers.push(shroud::config::IssuerConfig {
                issuer: ISSUER.to_owned(),
                ..Default::default()
            });
        }
        jwt.issuers[0].keys.push(KeyConfig {
            format: KeyFormat::Jwk,
            alg: None,
            kid: None,
            enc: None,
            value: Some(self.public_jwk.clone()),
            file: None,
            env: None,
        });
        jwt.encryption.decryption_keys.push(KeyConfig {
            format: KeyFormat::Hmac,
            alg: Some("A256KW".to_owned()),
            kid: Some(ENC_KID.to_owned()),
            enc: None,
            value: Some(format!("base64:{}", STANDARD.encode(self.enc_secret))),
            file: None,
            env: None,
        });
    }

    /// The encrypter of the demo tokens (A256KW + A256GCM).
    fn encrypter(&self) -> Encrypter {
        let key = EncryptionKey::symmetric(&self.enc_secret, KeyManagement::A256Kw)
            .expect("32-byte key")
            .with_kid(ENC_KID);
        Encrypter::new(key, ContentEncryption::A256Gcm)
    }

    /// Decrypts a nested demo token to its inner signed token (to look
    /// inside it in tests and examples).
    pub fn decrypt(&self, token: &str) -> String {
        let key = DecryptionKey::symmetric(&self.enc_secret, KeyManagement::A256Kw).expect("32-byte key");
        let set = DecryptionKeySet::new([key]);
        let out = shroud::jwt::jwe::decrypt(token, &set, &Default::default()).expect("a demo token");
        String::from_utf8(out.plaintext().to_vec()).expect("compact JWS")
    }
}

/// The key id of the token decryption key.
pub const ENC_KID: &str = "dev-enc";

/// Installs the example servers' log subscriber: every line goes through
/// shroud's redacting layer first, with the configured sensitive field
/// names (`[trace] sensitive_fields`).
pub fn init_logs(trace: Option<&shroud::config::TraceConfig>) {
    use tracing_subscriber::prelude::*;
    let policy = trace.map(|t| t.policy()).unwrap_or_default();
    tracing_subscriber::registry()
        .with(shroud::trace::RedactingLayer::with_policy(
            tracing_subscriber::fmt::layer(),
            policy,
        ))
        .with(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
}

/// Seconds since the epoch.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// The claims of the demo user's token: personal data an identity provider
/// typically puts into tokens.
///
/// `ttl_secs` below zero gives a token that expired that long ago (issued
/// an hour before its expiry).
pub fn demo_claims(ttl_secs: i64) -> Value {
    let (iat, exp) = if ttl_secs > 0 {
        (now(), now() + ttl_secs)
    } else {
        (now() + ttl_secs - 3600, now() + ttl_secs)
    };
    json!({
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "jane.doe@example.com",
        "email": "jane.doe@example.com",
        "name": "Jane Doe",
        "phone_number": "+1 415 555 0134",
        "birthdate": "1988-04-12",
        "scope": "users:read users:export",
        "roles": ["support"],
        "iat": iat,
        "exp": exp,
    })
}

/// The minting of demo tokens, all in one place: `shroud_jwt::Issuer`
/// signs (ES256) and, when `encrypt`, encrypts the signed token to the
/// servers' decryption key (a nested JWE, `cty: JWT`). `claims` carry `iss`,
/// `aud`, `iat` and `exp` as an identity provider's would; the issuer owns
/// those, so they configure it and the rest is minted.
fn mint(key: &DevKey, claims: &Value, encrypt: bool, policy: Option<&AnonPolicy>) -> String {
    let mut map = claims.as_object().cloned().unwrap_or_default();
    let iat = map.remove("iat").and_then(|v| v.as_i64()).unwrap_or_else(now);
    let exp = map.remove("exp").and_then(|v| v.as_i64()).unwrap_or(iat + 900);
    let mut b = Issuer::builder()
        .signing_key(key.signing.clone())
        .lifetime(Duration::from_secs((exp - iat).max(1) as u64))
        .clock(move || iat);
    if let Some(iss) = map.remove("iss").and_then(|v| v.as_str().map(str::to_owned)) {
        b = b.issuer(iss);
    }
    if let Some(aud) = map.remove("aud").and_then(|v| v.as_str().map(str::to_owned)) {
        b = b.audience(aud);
    }
    if encrypt {
        b = b.encryption(key.encrypter());
    }
    if let Some(policy) = policy {
        b = b.anonymize_with(policy.clone());
    }
    let issuer = b.build().expect("a valid issuer");
    issuer.mint_map(map).expect("mintable claims")
}

/// A demo token: signed, then encrypted to the servers (nested JWE).
pub fn mint_token(key: &DevKey, claims: &Value) -> String {
    mint(key, claims, true, None)
}

/// A signed-only token (JWS), for showing what is inside and for servers
/// that do not decrypt.
pub fn mint_signed_token(key: &DevKey, claims: &Value) -> String {
    mint(key, claims, false, None)
}

/// A token whose claims went through `policy` before signing (with
/// `shroud-anon`'s `IssuerBuilder::anonymize_with`), so even the token
/// carries no raw personal data: pseudonyms, masks, years instead of
/// birthdates. Signed, then encrypted.
pub fn mint_anonymized_token(key: &DevKey, policy: &AnonPolicy, claims: &Value) -> String {
    mint(key, claims, true, Some(policy))
}

/// A demo user of the example API.
pub struct User {
    pub id: u64,
    pub name: &'static str,
    pub email: &'static str,
    pub phone: &'static str,
    pub card: &'static str,
    pub street: &'static str,
    pub city: &'static str,
}

/// The demo users.
pub const USERS: &[User] = &[
    User {
        id: 1,
        name: "Jane Doe",
        email: "jane.doe@example.com",
        phone: "+1 415 555 0134",
        card: "4111 1111 1111 1111",
        street: "1 Market Street",
        city: "San Francisco",
    },
    User {
        id: 2,
        name: "John Roe",
        email: "john.roe@example.org",
        phone: "+44 20 7946 0958",
        card: "5500 0000 0000 0004",
        street: "221B Baker Street",
        city: "London",
    },
    User {
        id: 3,
        name: "Erika Mustermann",
        email: "erika@example.de",
        phone: "+49 30 901820",
        card: "3400 0000 0000 009",
        street: "Heidestrasse 17",
        city: "Berlin",
    },
];

/// A user as JSON, with everything the API would leak without shroud.
pub fn user_json(u: &User) -> Value {
    json!({
        "id": u.id,
        "name": u.name,
        "email": u.email,
        "phone": u.phone,
        "card": u.card,
        "address": { "street": u.street, "city": u.city },
        "password": "hunter2",
    })
}

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
use shroud::config::{Config, KeyConfig, KeyFormat};

/// The issuer of the demo tokens (the first issuer of the default config).
pub const ISSUER: &str = "https://id.shroud.example";
/// The audience of the demo tokens.
pub const AUDIENCE: &str = "users-api";

/// An ES256 key pair generated at start; only its public half goes into the
/// configuration.
pub struct DevKey {
    encoding: jsonwebtoken::EncodingKey,
    /// The public key as a JWK (with `kid` and `alg`).
    pub public_jwk: String,
    /// The key id.
    pub kid: String,
}

impl DevKey {
    /// A fresh P-256 key.
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
        DevKey {
            encoding: jsonwebtoken::EncodingKey::from_ec_der(pkcs8.as_ref()),
            public_jwk,
            kid,
        }
    }

    /// Adds this key to the first issuer of `config`.
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
            value: Some(self.public_jwk.clone()),
            file: None,
            env: None,
        });
    }
}

/// Seconds since the epoch.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// The claims of the demo user's token: personal data an identity provider
/// typically puts into tokens.
pub fn demo_claims(ttl_secs: i64) -> Value {
    let now = now();
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
        "iat": now,
        "exp": now + ttl_secs,
    })
}

/// Mints a token for `claims`: today a signed JWS (ES256) made with
/// jsonwebtoken.
///
/// This is the one place to change once `shroud_jwt::Issuer` is available:
/// `Issuer::new(signing key).encrypt_to(recipient).anonymize_with(policy)`
/// then mints a nested JWE, and the servers' config gains the matching
/// `jwt.encryption.decryption_keys`.
pub fn mint_token(key: &DevKey, claims: &Value) -> String {
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
    header.kid = Some(key.kid.clone());
    jsonwebtoken::encode(&header, claims, &key.encoding).expect("signing with a valid key")
}

/// Mints a token whose claims went through `policy` first, so the token
/// itself carries no raw personal data (pseudonyms, masks, years instead of
/// birthdates). Today `AnonPolicy::apply` and then [`mint_token`]; with
/// `shroud_jwt::Issuer` this becomes `Issuer::anonymize_with(policy)`.
pub fn mint_anonymized_token(key: &DevKey, policy: &shroud::anon::AnonPolicy, claims: &Value) -> String {
    let map = claims.as_object().cloned().unwrap_or_default();
    mint_token(key, &Value::Object(policy.apply(&map)))
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

//! Mints a token with `Issuer` and checks it with `Verifier`: a signed JWT,
//! or with `--encrypt` a nested JWT encrypted with `dir` + A256GCM.
//!
//! ```text
//! cargo run -p shroud-jwt --example issue_token                       # a fresh ES256 key
//! cargo run -p shroud-jwt --example issue_token -- --encrypt
//! cargo run -p shroud-jwt --example issue_token -- --pem key.pem      # your PKCS#8 P-256 key
//! ```
//!
//! Prints the token and the verified claims.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::time::Duration;

use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
use serde_json::json;
use shroud_jwt::{
    Algorithm, ContentEncryption, DecryptionKey, DecryptionKeySet, Encrypter, EncryptionKey, Issuer, Key,
    KeyManagement, SigningKey, TrustedIssuer, Verifier,
};

fn pem(label: &str, der: &[u8]) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let body: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap_or(""))
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        body.join("\n")
    )
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let encrypt = args.iter().any(|a| a == "--encrypt");
    let private_pem = match args.iter().position(|a| a == "--pem") {
        Some(i) => std::fs::read_to_string(args.get(i + 1).ok_or("--pem needs a file")?)?,
        None => {
            let pkcs8 = EcdsaKeyPair::generate_pkcs8(
                &ECDSA_P256_SHA256_FIXED_SIGNING,
                &aws_lc_rs::rand::SystemRandom::new(),
            )
            .map_err(|_| "key generation failed")?;
            pem("PRIVATE KEY", pkcs8.as_ref())
        }
    };
    let signing = SigningKey::from_pem(private_pem.as_bytes(), Algorithm::ES256)?.with_kid("example-1");
    // The public half, for the verifier.
    let pair = EcdsaKeyPair::from_pkcs8(
        &ECDSA_P256_SHA256_FIXED_SIGNING,
        &base64::Engine::decode(
            &base64::engine::general_purpose::STANDARD,
            private_pem
                .lines()
                .filter(|l| !l.starts_with("-----"))
                .collect::<String>(),
        )?,
    )
    .map_err(|_| "not a PKCS#8 P-256 private key")?;
    let spki = aws_lc_rs::encoding::AsDer::<aws_lc_rs::encoding::PublicKeyX509Der<'_>>::as_der(
        aws_lc_rs::signature::KeyPair::public_key(&pair),
    )
    .map_err(|_| "public key export failed")?;
    let public = Key::from_pem(pem("PUBLIC KEY", spki.as_ref()).as_bytes(), Algorithm::ES256)?;

    let mut cek = [0u8; 32];
    aws_lc_rs::rand::fill(&mut cek).map_err(|_| "random generator failed")?;
    let mut issuer = Issuer::builder()
        .signing_key(signing)
        .issuer("https://id.example")
        .audience("api")
        .lifetime(Duration::from_secs(600));
    if encrypt {
        issuer = issuer.encryption(Encrypter::new(
            EncryptionKey::symmetric(&cek, KeyManagement::Dir)?.with_kid("enc-1"),
            ContentEncryption::A256Gcm,
        ));
    }
    let issuer = issuer.build()?;
    let token = issuer.mint(&json!({"sub": "user-1", "scope": "orders:read"}))?;
    println!("{token}");

    let verifier = Verifier::builder()
        .issuer(TrustedIssuer::new("https://id.example").key(public))
        .audience("api")
        .decryption_keys(DecryptionKeySet::new([DecryptionKey::symmetric(
            &cek,
            KeyManagement::Dir,
        )?]))
        .build()?;
    let verified = verifier.verify(&token).map_err(|r| format!("refused: {r}"))?;
    println!(
        "verified (encrypted: {}): {}",
        verified.info.encrypted,
        serde_json::to_string_pretty(verified.claims.as_map())?
    );
    Ok(())
}

//! Mints a token whose claims are anonymized before signing, and prints it.
//!
//! ```sh
//! cargo run --example issue_token                      # the example config's `[anonymize]` policy
//! cargo run --example issue_token -- --config my.toml
//! ```
//!
//! An identity provider that signs raw emails and phone numbers into tokens
//! spreads them to every service, log and proxy the token passes. Applying
//! the anonymization policy at minting time keeps them out of the token
//! itself, and encrypting the signed token keeps even those from its bearer.
//! The keys are fresh development keys; the public signing JWK is printed
//! so a verifier can trust it.

#[path = "support/demo.rs"]
mod demo;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use shroud::prelude::*;

const DEFAULT_CONFIG: &str = include_str!("config/default.toml");

#[allow(clippy::print_stdout)]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut config = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        [] => Config::from_toml(DEFAULT_CONFIG)?,
        ["--config", path] => Config::from_file(path)?,
        _ => return Err("usage: issue_token [--config FILE]".into()),
    };
    let key = demo::DevKey::generate();
    key.trust_in(&mut config);
    let stack = Stack::from_config(&config)?;
    let policy = stack
        .anonymize()
        .ok_or("the configuration has no [anonymize] section")?
        .policy();

    let token = demo::mint_anonymized_token(&key, policy, &demo::demo_claims(3600));
    // The token is a nested JWE; its inner signed token holds the claims.
    let inner = key.decrypt(&token);
    let payload = inner.split('.').nth(1).ok_or("compact JWS")?;
    let claims: serde_json::Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload)?)?;

    println!("{token}\n");
    println!("(a nested JWE: signed with ES256, then encrypted with A256KW + A256GCM)\n");
    println!("claims inside it:\n{}\n", serde_json::to_string_pretty(&claims)?);
    println!("verification key (public JWK):\n{}", key.public_jwk);
    Ok(())
}

//! Interop both ways with panva/jose, the reference JavaScript JOSE
//! implementation, run by this test with the machine's `node`.
//!
//! `jose` is pinned in tests/interop/package.json and package-lock.json and
//! installed with `npm ci` into a directory under the target dir (never into
//! the source tree) when it is not there yet. Keys are generated per run and
//! handed to jose as JWKs. Without node or npm this test fails: it never
//! skips.

mod common;

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use common::now;
use serde_json::{Map, Value, json};
use shroud_jwt::{
    Algorithm, Claims, ContentEncryption, DecryptionKey, DecryptionKeySet, Encrypter, EncryptionKey, Issuer,
    JwtLayer, Key, KeyManagement, Rejection, SigningKey, TrustedIssuer, Verifier,
};
use tower::{ServiceBuilder, ServiceExt};

const ISS: &str = "https://id.example";
const AUD: &str = "api";
const LIFETIME: i64 = 300;
const NODE_TIMEOUT: Duration = Duration::from_secs(60);
const NPM_TIMEOUT: Duration = Duration::from_secs(180);

fn source_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop")
}

/// Runs `cmd` to completion within `limit`, killing it on overrun.
/// Returns (success, stdout, stderr).
fn run_bounded(
    mut cmd: Command,
    stdin: Option<Vec<u8>>,
    limit: Duration,
    what: &str,
) -> (bool, Vec<u8>, String) {
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap_or_else(|e| {
        panic!("cannot start {what}: {e}. The jose interop test needs node (v18+) and npm on PATH.")
    });
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        std::thread::spawn(move || {
            let _ = pipe.write_all(&input);
        });
    }
    let mut out_pipe = child.stdout.take().unwrap();
    let mut err_pipe = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out_pipe.read_to_end(&mut v);
        v
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err_pipe.read_to_string(&mut s);
        s
    });
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} did not finish within {limit:?} and was killed");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    (status.success(), out.join().unwrap(), err.join().unwrap())
}

/// The working directory holding the driver script and an installed `jose`
/// at the pinned version; installs it on first use.
fn jose_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let mut version = Command::new("node");
        version.arg("--version");
        let (ok, out, err) = run_bounded(version, None, NODE_TIMEOUT, "node");
        assert!(ok, "`node --version` failed: {err}");
        let version = String::from_utf8_lossy(&out);
        let major: u32 = version
            .trim()
            .trim_start_matches('v')
            .split('.')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(major >= 18, "jose 6 needs node 18 or later, found {version}");

        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("jose-interop");
        std::fs::create_dir_all(&dir).unwrap();
        for file in ["package.json", "package-lock.json", "jose_interop.mjs"] {
            std::fs::copy(source_dir().join(file), dir.join(file)).unwrap();
        }
        let pkg: Value = serde_json::from_slice(&std::fs::read(dir.join("package.json")).unwrap()).unwrap();
        let pinned = pkg["dependencies"]["jose"].as_str().unwrap().to_owned();
        let installed = std::fs::read(dir.join("node_modules/jose/package.json"))
            .ok()
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
            .and_then(|v| v["version"].as_str().map(str::to_owned));
        if installed.as_deref() != Some(pinned.as_str()) {
            let mut npm = Command::new("npm");
            npm.args(["ci", "--no-audit", "--no-fund", "--ignore-scripts"])
                .current_dir(&dir);
            let (ok, _, err) = run_bounded(npm, None, NPM_TIMEOUT, "npm ci");
            assert!(ok, "`npm ci` for jose {pinned} failed: {err}");
        }
        dir
    })
}

/// Sends one request to the jose driver and returns its answer.
fn jose(request: &Value) -> Value {
    let dir = jose_dir();
    let mut node = Command::new("node");
    node.arg("jose_interop.mjs").current_dir(dir);
    let (ok, out, err) = run_bounded(
        node,
        Some(request.to_string().into_bytes()),
        NODE_TIMEOUT,
        "node jose_interop.mjs",
    );
    assert!(ok, "the jose driver failed: {err}");
    serde_json::from_slice(&out).unwrap_or_else(|e| panic!("jose driver output is not JSON ({e}): {err}"))
}

/// One signing configuration of the matrix.
struct Sig {
    name: &'static str,
    alg: Algorithm,
    private: Value,
    public: Value,
}

fn random_secret() -> Vec<u8> {
    common::random(32)
}

fn signing_matrix() -> Vec<Sig> {
    let secret = json!({"kty": "oct", "k": common::b64(random_secret())});
    let mut hs_public = secret.clone();
    hs_public["alg"] = json!("HS256");
    let mut out = vec![Sig {
        name: "HS256",
        alg: Algorithm::HS256,
        private: secret,
        public: hs_public,
    }];
    for (name, alg, signer) in [
        ("RS256", Algorithm::RS256, common::rsa()),
        ("ES256", Algorithm::ES256, common::ec()),
        ("EdDSA", Algorithm::EdDSA, common::ed()),
    ] {
        out.push(Sig {
            name,
            alg,
            private: signer.private_jwk(name),
            public: signer.jwk(name),
        });
    }
    out
}

fn custom_claims() -> Map<String, Value> {
    let v = json!({"sub": "user-1", "scope": "orders:read profile", "name": "Zoë ✓",
                   "nested": {"roles": ["a", "b"], "n": 42}});
    v.as_object().unwrap().clone()
}

fn verifier_for(sig: &Sig) -> Verifier {
    Verifier::builder()
        .issuer(TrustedIssuer::new(ISS).key(Key::from_jwk(&sig.public).unwrap().with_kid(sig.name)))
        .audience(AUD)
        .build()
        .unwrap()
}

/// What a verified token must hold: the custom claims, and the registered
/// claims the minting side set.
fn check_claims(claims: &Map<String, Value>, what: &str) {
    for (k, v) in custom_claims() {
        assert_eq!(claims.get(&k), Some(&v), "{what}: claim {k}");
    }
    assert_eq!(claims["iss"], ISS, "{what}");
    assert_eq!(claims["aud"], AUD, "{what}");
    let iat = claims["iat"].as_i64().unwrap();
    assert!((iat - now()).abs() < 60, "{what}: iat {iat}");
    assert_eq!(claims["exp"].as_i64().unwrap() - iat, LIFETIME, "{what}");
}

async fn through_layer(verifier: Verifier, token: &str) -> Option<String> {
    let svc = ServiceBuilder::new().layer(JwtLayer::new(verifier)).service_fn(
        |req: http::Request<String>| async move {
            let sub = req
                .extensions()
                .get::<Claims>()
                .and_then(|c| c.sub())
                .unwrap_or("")
                .to_owned();
            Ok::<_, std::convert::Infallible>(http::Response::new(sub))
        },
    );
    let req = http::Request::builder()
        .header("authorization", format!("Bearer {token}"))
        .body(String::new())
        .unwrap();
    let res = svc.oneshot(req).await.unwrap();
    if res.status() != http::StatusCode::OK {
        return None;
    }
    use http_body_util::BodyExt as _;
    let body = res.into_body().collect().await.unwrap().to_bytes();
    Some(String::from_utf8(body.to_vec()).unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn jws_minted_by_jose_verify_in_shroud() {
    let matrix = signing_matrix();
    let mut mint = Vec::new();
    for sig in &matrix {
        let mut claims = custom_claims();
        claims.insert("iss".into(), json!(ISS));
        claims.insert("aud".into(), json!(AUD));
        claims.insert("iat".into(), json!(now()));
        claims.insert("exp".into(), json!(now() + LIFETIME));
        mint.push(
            json!({"id": sig.name, "alg": sig.name, "key": sig.private, "kid": sig.name, "claims": claims}),
        );
    }
    // An expired token, to prove the claims are checked, not just parsed.
    let mut expired = custom_claims();
    expired.insert("iss".into(), json!(ISS));
    expired.insert("aud".into(), json!(AUD));
    expired.insert("exp".into(), json!(now() - 3600));
    mint.push(
        json!({"id": "expired", "alg": "ES256", "key": matrix[2].private, "kid": "ES256", "claims": expired}),
    );
    let answer = tokio::task::spawn_blocking(move || jose(&json!({"mint": mint})))
        .await
        .unwrap();
    let minted = answer["minted"].as_object().unwrap();

    for sig in &matrix {
        let token = minted[sig.name].as_str().unwrap();
        let verified = verifier_for(sig)
            .verify(token)
            .unwrap_or_else(|r| panic!("{}: jose token refused: {r:?}", sig.name));
        check_claims(verified.claims.as_map(), sig.name);
        assert_eq!(verified.info.kid.as_deref(), Some(sig.name));
        assert_eq!(
            through_layer(verifier_for(sig), token).await.as_deref(),
            Some("user-1"),
            "{}",
            sig.name
        );
        // The same token against another key of the same algorithm is refused.
        let other = match sig.alg {
            Algorithm::HS256 => Key::hmac(&random_secret(), Algorithm::HS256).unwrap(),
            Algorithm::RS256 => common::rsa2().key(sig.name),
            _ => continue,
        };
        let v = Verifier::builder()
            .issuer(TrustedIssuer::new(ISS).key(other))
            .audience(AUD)
            .build()
            .unwrap();
        assert_eq!(
            v.verify(token).unwrap_err(),
            Rejection::BadSignature,
            "{}",
            sig.name
        );
    }
    let expired = minted["expired"].as_str().unwrap();
    assert_eq!(
        verifier_for(&matrix[2]).verify(expired).unwrap_err(),
        Rejection::Expired
    );
    assert_eq!(through_layer(verifier_for(&matrix[2]), expired).await, None);
}

#[tokio::test(flavor = "multi_thread")]
async fn jws_minted_by_shroud_verify_in_jose() {
    let matrix = signing_matrix();
    let mut verify = Vec::new();
    for sig in &matrix {
        let issuer = Issuer::builder()
            .signing_key(
                SigningKey::from_jwk(&sig.private, Some(sig.alg))
                    .unwrap()
                    .with_kid(sig.name),
            )
            .issuer(ISS)
            .audience(AUD)
            .lifetime(Duration::from_secs(LIFETIME as u64))
            .build()
            .unwrap();
        let token = issuer.mint_map(custom_claims()).unwrap();
        verify.push(
            json!({"id": sig.name, "token": token, "alg": sig.name, "key": sig.public,
                           "issuer": ISS, "audience": AUD}),
        );
        // Negative controls: a flipped signature byte, and the wrong issuer.
        // (A character inside the signature: the last one may carry only padding bits.)
        let at = token.rfind('.').unwrap() + 5;
        let mut tampered = token.clone();
        let flipped = if &token[at..=at] == "A" { "B" } else { "A" };
        tampered.replace_range(at..=at, flipped);
        verify.push(
            json!({"id": format!("{}-tampered", sig.name), "token": tampered, "alg": sig.name,
                           "key": sig.public, "issuer": ISS, "audience": AUD}),
        );
        verify.push(
            json!({"id": format!("{}-wrong-iss", sig.name), "token": token, "alg": sig.name,
                           "key": sig.public, "issuer": "https://other.example", "audience": AUD}),
        );
    }
    let answer = tokio::task::spawn_blocking(move || jose(&json!({"verify": verify})))
        .await
        .unwrap();
    let verified = answer["verified"].as_object().unwrap();
    for sig in &matrix {
        let r = &verified[sig.name];
        assert_eq!(r["ok"], true, "{}: jose refused shroud's token: {r}", sig.name);
        assert_eq!(
            r["header"],
            json!({"alg": sig.name, "typ": "JWT", "kid": sig.name}),
            "{}",
            sig.name
        );
        check_claims(r["payload"].as_object().unwrap(), sig.name);
        let jti = r["payload"]["jti"].as_str().unwrap();
        assert_eq!(jti.len(), 22, "{}: 128-bit base64url jti", sig.name);
        for bad in ["tampered", "wrong-iss"] {
            let r = &verified[&format!("{}-{bad}", sig.name)];
            assert_eq!(r["ok"], false, "{} {bad}: jose accepted it: {r}", sig.name);
        }
        assert_eq!(
            verified[&format!("{}-tampered", sig.name)]["error"],
            "ERR_JWS_SIGNATURE_VERIFICATION_FAILED"
        );
        assert_eq!(
            verified[&format!("{}-wrong-iss", sig.name)]["error"],
            "ERR_JWT_CLAIM_VALIDATION_FAILED"
        );
    }
}

/// One encryption configuration of the matrix: the recipient's keys as
/// JWKs (private for decryption, public for encryption).
struct Enc {
    name: &'static str,
    alg: KeyManagement,
    enc: ContentEncryption,
    private: Value,
    public: Value,
}

fn encryption_matrix() -> Vec<Enc> {
    let oct = |n: usize| json!({"kty": "oct", "k": common::b64(common::random(n))});
    let (rsa_private, rsa_public) = common::rsa_enc_jwk("rsa-enc");
    let (p_private, p_public) = common::ecdh_jwk("P-256", "p256-enc");
    let (x_private, x_public) = common::ecdh_jwk("X25519", "x25519-enc");
    let dir = oct(32);
    let kw = oct(32);
    vec![
        Enc {
            name: "dir+A256GCM",
            alg: KeyManagement::Dir,
            enc: ContentEncryption::A256Gcm,
            private: dir.clone(),
            public: dir,
        },
        Enc {
            name: "A256KW+A128CBC-HS256",
            alg: KeyManagement::A256Kw,
            enc: ContentEncryption::A128CbcHs256,
            private: kw.clone(),
            public: kw,
        },
        Enc {
            name: "RSA-OAEP-256+A256GCM",
            alg: KeyManagement::RsaOaep256,
            enc: ContentEncryption::A256Gcm,
            private: rsa_private,
            public: rsa_public,
        },
        Enc {
            name: "ECDH-ES+A256KW(P-256)+A256GCM",
            alg: KeyManagement::EcdhEsA256Kw,
            enc: ContentEncryption::A256Gcm,
            private: p_private,
            public: p_public,
        },
        Enc {
            name: "ECDH-ES+A256KW(X25519)+A256GCM",
            alg: KeyManagement::EcdhEsA256Kw,
            enc: ContentEncryption::A256Gcm,
            private: x_private,
            public: x_public,
        },
    ]
}

impl Enc {
    fn kid(&self) -> String {
        format!("kid-{}", self.name)
    }

    fn with_alg(&self, jwk: &Value) -> Value {
        let mut jwk = jwk.clone();
        jwk["alg"] = json!(self.alg.name());
        jwk["kid"] = json!(self.kid());
        jwk
    }

    fn decryption_key(&self) -> DecryptionKey {
        DecryptionKey::from_jwk(&self.with_alg(&self.private)).unwrap()
    }

    fn encrypter(&self) -> Encrypter {
        Encrypter::new(
            EncryptionKey::from_jwk(&self.with_alg(&self.public)).unwrap(),
            self.enc,
        )
    }

    fn verifier(&self, sig: &Sig) -> Verifier {
        Verifier::builder()
            .issuer(TrustedIssuer::new(ISS).key(Key::from_jwk(&sig.public).unwrap()))
            .audience(AUD)
            .decryption_keys(DecryptionKeySet::new([self.decryption_key()]))
            .require_encryption(true)
            .build()
            .unwrap()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn nested_jwe_minted_by_jose_verify_in_shroud() {
    let sigs = signing_matrix();
    let encs = encryption_matrix();
    let mut mint = Vec::new();
    for (i, e) in encs.iter().enumerate() {
        let sig = &sigs[i % sigs.len()];
        let mut claims = custom_claims();
        claims.insert("iss".into(), json!(ISS));
        claims.insert("aud".into(), json!(AUD));
        claims.insert("iat".into(), json!(now()));
        claims.insert("exp".into(), json!(now() + LIFETIME));
        mint.push(json!({"id": e.name, "alg": sig.name, "key": sig.private, "kid": sig.name, "claims": claims,
                         "encrypt": {"alg": e.alg.name(), "enc": e.enc.name(), "key": e.public, "kid": e.kid()}}));
    }
    let answer = tokio::task::spawn_blocking(move || jose(&json!({"mint": mint})))
        .await
        .unwrap();
    let minted = answer["minted"].as_object().unwrap();
    for (i, e) in encs.iter().enumerate() {
        let sig = &sigs[i % sigs.len()];
        let token = minted[e.name].as_str().unwrap();
        assert_eq!(token.split('.').count(), 5, "{}", e.name);
        let verified = e
            .verifier(sig)
            .verify(token)
            .unwrap_or_else(|r| panic!("{} / {}: jose token refused: {r:?}", e.name, sig.name));
        assert!(verified.info.encrypted, "{}", e.name);
        assert_eq!(verified.info.alg, sig.name, "{}", e.name);
        check_claims(verified.claims.as_map(), e.name);
        assert_eq!(
            through_layer(e.verifier(sig), token).await.as_deref(),
            Some("user-1"),
            "{}",
            e.name
        );
        // Another recipient's keys cannot open it.
        let other = &encs[(i + 1) % encs.len()];
        let wrong = Verifier::builder()
            .issuer(TrustedIssuer::new(ISS).key(Key::from_jwk(&sig.public).unwrap()))
            .audience(AUD)
            .decryption_keys(DecryptionKeySet::new([other.decryption_key()]))
            .build()
            .unwrap();
        assert_eq!(
            wrong.verify(token).unwrap_err(),
            Rejection::Undecryptable,
            "{}",
            e.name
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn nested_jwe_minted_by_shroud_verify_in_jose() {
    let sigs = signing_matrix();
    let encs = encryption_matrix();
    let mut verify = Vec::new();
    for (i, e) in encs.iter().enumerate() {
        let sig = &sigs[i % sigs.len()];
        let issuer = Issuer::builder()
            .signing_key(
                SigningKey::from_jwk(&sig.private, Some(sig.alg))
                    .unwrap()
                    .with_kid(sig.name),
            )
            .issuer(ISS)
            .audience(AUD)
            .lifetime(Duration::from_secs(LIFETIME as u64))
            .encryption(e.encrypter())
            .build()
            .unwrap();
        let token = issuer.mint_map(custom_claims()).unwrap();
        let decrypt = json!({"alg": e.alg.name(), "enc": e.enc.name(), "key": e.private});
        verify.push(
            json!({"id": e.name, "token": token, "alg": sig.name, "key": sig.public,
                           "issuer": ISS, "audience": AUD, "decrypt": decrypt}),
        );
        // A flipped ciphertext character: the tag check must fail in jose.
        let parts: Vec<&str> = token.split('.').collect();
        let mut ct = parts[3].to_owned();
        let flipped = if &ct[2..3] == "A" { "B" } else { "A" };
        ct.replace_range(2..3, flipped);
        let tampered = [parts[0], parts[1], parts[2], &ct, parts[4]].join(".");
        verify.push(
            json!({"id": format!("{}-tampered", e.name), "token": tampered, "alg": sig.name,
                           "key": sig.public, "issuer": ISS, "audience": AUD, "decrypt": decrypt}),
        );
    }
    let answer = tokio::task::spawn_blocking(move || jose(&json!({"verify": verify})))
        .await
        .unwrap();
    let verified = answer["verified"].as_object().unwrap();
    for (i, e) in encs.iter().enumerate() {
        let sig = &sigs[i % sigs.len()];
        let r = &verified[e.name];
        assert_eq!(r["ok"], true, "{}: jose refused shroud's token: {r}", e.name);
        assert_eq!(r["outer"]["alg"], e.alg.name(), "{}", e.name);
        assert_eq!(r["outer"]["enc"], e.enc.name(), "{}", e.name);
        assert_eq!(r["outer"]["cty"], "JWT", "{}", e.name);
        assert_eq!(r["outer"]["kid"], json!(e.kid()), "{}", e.name);
        assert_eq!(
            r["header"],
            json!({"alg": sig.name, "typ": "JWT", "kid": sig.name}),
            "{}",
            e.name
        );
        check_claims(r["payload"].as_object().unwrap(), e.name);
        let bad = &verified[&format!("{}-tampered", e.name)];
        assert_eq!(
            bad["ok"], false,
            "{}: jose accepted a tampered token: {bad}",
            e.name
        );
        assert_eq!(bad["error"], "ERR_JWE_DECRYPTION_FAILED", "{}", e.name);
    }
}

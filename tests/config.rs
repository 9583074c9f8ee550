//! The configuration: the documented example builds, the three formats read
//! the same, and every mistake names its key path.

mod common;

use shroud::config::{Config, Format};
use shroud::{ConfigError, Stack};

const HMAC: &str = "base64:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY";

#[test]
fn the_documented_example_parses_and_builds() {
    let config = Config::from_toml(common::DEFAULT_TOML).expect("parses");
    let jwt = config.jwt.as_ref().expect("jwt section");
    assert_eq!(jwt.realm, "users-api");
    assert_eq!(jwt.issuers[0].issuer, "https://id.shroud.example");
    assert_eq!(jwt.authorization.len(), 3);
    assert!(config.anonymize.is_some() && config.redact.is_some() && config.trace.is_some());
    let stack = Stack::from_config(&config).expect("builds");
    assert!(stack.jwt().is_some() && stack.anonymize().is_some() && stack.redact().is_some());
    // docs/configuration.md shows this very file.
    let doc = include_str!("../docs/configuration.md");
    assert!(
        doc.contains(common::DEFAULT_TOML.trim()),
        "docs/configuration.md embeds examples/config/default.toml"
    );
}

#[test]
fn toml_json_and_yaml_read_the_same_config() {
    let toml = format!(
        r#"
        [keys]
        pseudonym = {{ id = "k1", value = "{HMAC}" }}
        [jwt]
        sources = ["bearer", "cookie:session"]
        [[jwt.issuers]]
        issuer = "https://id.example"
        keys = [{{ format = "hmac", alg = "HS256", value = "{HMAC}" }}]
        [jwt.validation]
        leeway_secs = 10
        audiences = ["api"]
        [[jwt.authorization]]
        path_prefix = "/admin"
        roles = ["admin"]
        [anonymize]
        default = "drop"
        rules = [{{ claim = "sub", action = "pseudonymize" }}]
        [redact]
        keys = [{{ key = "password", action = "drop" }}]
        [trace]
        sensitive_fields = ["ssn"]
        "#
    );
    let json = format!(
        r#"{{
        "keys": {{"pseudonym": {{"id": "k1", "value": "{HMAC}"}}}},
        "jwt": {{
            "sources": ["bearer", "cookie:session"],
            "issuers": [{{"issuer": "https://id.example",
                          "keys": [{{"format": "hmac", "alg": "HS256", "value": "{HMAC}"}}]}}],
            "validation": {{"leeway_secs": 10, "audiences": ["api"]}},
            "authorization": [{{"path_prefix": "/admin", "roles": ["admin"]}}]
        }},
        "anonymize": {{"default": "drop", "rules": [{{"claim": "sub", "action": "pseudonymize"}}]}},
        "redact": {{"keys": [{{"key": "password", "action": "drop"}}]}},
        "trace": {{"sensitive_fields": ["ssn"]}}
        }}"#
    );
    let yaml = format!(
        r#"
keys:
  pseudonym: {{ id: k1, value: "{HMAC}" }}
jwt:
  sources: [bearer, "cookie:session"]
  issuers:
    - issuer: https://id.example
      keys:
        - {{ format: hmac, alg: HS256, value: "{HMAC}" }}
  validation:
    leeway_secs: 10
    audiences: [api]
  authorization:
    - path_prefix: /admin
      roles: [admin]
anonymize:
  default: drop
  rules:
    - {{ claim: sub, action: pseudonymize }}
redact:
  keys:
    - {{ key: password, action: drop }}
trace:
  sensitive_fields: [ssn]
"#
    );
    let a = Config::parse(&toml, Format::Toml).expect("TOML");
    let b = Config::parse(&json, Format::Json).expect("JSON");
    let c = Config::parse(&yaml, Format::Yaml).expect("YAML");
    assert_eq!(a, b);
    assert_eq!(a, c);
    Stack::from_config(&a).expect("builds");

    // The full example survives a trip through the other formats.
    let full = Config::from_toml(common::DEFAULT_TOML).expect("TOML");
    let as_json = serde_json::to_string(&full).expect("to JSON");
    assert_eq!(Config::from_json(&as_json).expect("JSON"), full);
    let as_yaml = serde_yaml_ng::to_string(&full).expect("to YAML");
    assert_eq!(Config::from_yaml(&as_yaml).expect("YAML"), full);
}

#[test]
fn from_file_picks_the_format_by_extension() {
    let dir = std::env::temp_dir().join(format!("shroud-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let json = dir.join("c.json");
    std::fs::write(&json, r#"{"trace": {}}"#).expect("write");
    assert!(Config::from_file(&json).expect("JSON file").trace.is_some());
    let yml = dir.join("c.yml");
    std::fs::write(&yml, "trace: {}\n").expect("write");
    assert!(Config::from_file(&yml).expect("YAML file").trace.is_some());
    let txt = dir.join("c.txt");
    std::fs::write(&txt, "").expect("write");
    assert_eq!(Config::from_file(&txt).unwrap_err().path(), ".");
    let missing = Config::from_file(dir.join("missing.toml")).unwrap_err();
    assert!(missing.message().contains("cannot open"), "{missing}");
    std::fs::remove_dir_all(&dir).ok();
}

/// Builds `toml` and returns the error.
fn build_err(toml: &str) -> ConfigError {
    let config = Config::from_toml(toml).unwrap_or_else(|e| panic!("parses: {e}"));
    Stack::from_config(&config).expect_err("must be refused")
}

fn issuer_with(key: &str) -> String {
    format!("[[jwt.issuers]]\nissuer = \"https://id.example\"\nkeys = [{key}]\n")
}

#[test]
fn build_errors_name_their_key_path() {
    let cases: Vec<(String, &str)> = vec![
        ("[jwt]\n".into(), "jwt.issuers"),
        (
            issuer_with(r#"{ format = "pem", value = "x" }"#),
            "jwt.issuers[0].keys[0].alg",
        ),
        (
            issuer_with(r#"{ format = "hmac", alg = "HS256" }"#),
            "jwt.issuers[0].keys[0]",
        ),
        (
            issuer_with(r#"{ format = "hmac", alg = "HS999", value = "x" }"#),
            "jwt.issuers[0].keys[0].alg",
        ),
        (
            issuer_with(r#"{ format = "hmac", alg = "HS256", value = "hunter2" }"#),
            "jwt.issuers[0].keys[0]",
        ),
        (
            issuer_with(r#"{ format = "jwk", value = "{}" }"#),
            "jwt.issuers[0].keys[0]",
        ),
        (
            issuer_with(r#"{ format = "jwks", value = "{\"keys\":[]}" }"#),
            "jwt.issuers[0].keys[0]",
        ),
        (
            issuer_with(r#"{ format = "jwk", file = "/nonexistent/key.jwk" }"#),
            "jwt.issuers[0].keys[0].file",
        ),
        (
            issuer_with(r#"{ format = "jwk", env = "SHROUD_TEST_SURELY_UNSET_VAR" }"#),
            "jwt.issuers[0].keys[0].env",
        ),
        (
            "[[jwt.issuers]]\nissuer = \"https://id.example\"\n".into(),
            "jwt.issuers[0].keys",
        ),
        (
            format!(
                "{}[jwt.validation]\nleeway_secs = 100000\n",
                issuer_with(&format!(
                    r#"{{ format = "hmac", alg = "HS256", value = "{HMAC}" }}"#
                ))
            ),
            "jwt.validation.leeway_secs",
        ),
        (
            format!(
                "{}[jwt.validation]\nalgorithms = [\"RS256\", \"nope\"]\n",
                issuer_with(&format!(
                    r#"{{ format = "hmac", alg = "HS256", value = "{HMAC}" }}"#
                ))
            ),
            "jwt.validation.algorithms[1]",
        ),
        (
            format!(
                "{}[jwt.validation]\nalgorithms = [\"RS256\"]\n",
                issuer_with(&format!(
                    r#"{{ format = "hmac", alg = "HS256", value = "{HMAC}" }}"#
                ))
            ),
            "jwt.validation.algorithms",
        ),
        (
            format!(
                "[jwt]\nsources = [\"bearer\", \"query:token\"]\n{}",
                issuer_with(&format!(
                    r#"{{ format = "hmac", alg = "HS256", value = "{HMAC}" }}"#
                ))
            ),
            "jwt.sources[1]",
        ),
        (
            format!(
                "[jwt.encryption]\nrequire_encryption = true\n{}",
                issuer_with(&format!(
                    r#"{{ format = "hmac", alg = "HS256", value = "{HMAC}" }}"#
                ))
            ),
            "jwt.encryption.require_encryption",
        ),
        (
            format!(
                "[[jwt.authorization]]\npath_prefix = \"admin\"\n{}",
                issuer_with(&format!(
                    r#"{{ format = "hmac", alg = "HS256", value = "{HMAC}" }}"#
                ))
            ),
            "jwt.authorization[0].path_prefix",
        ),
        (
            "[keys]\npseudonym = { id = \"k\", value = \"hunter2\" }\n".into(),
            "keys.pseudonym.value",
        ),
        (
            "[keys]\npseudonym = { id = \"k\", generate = true, env = \"X\" }\n".into(),
            "keys.pseudonym",
        ),
        (
            "[anonymize]\nrules = [{ claim = \"sub\", action = \"pseudonymize\" }]\n".into(),
            "anonymize.rules[0].action",
        ),
        (
            "[anonymize]\nrules = [{ claim = \"a\", action = \"drop\" }, { pointer = \"b\", action = \"drop\" }]\n"
                .into(),
            "anonymize.rules[1].pointer",
        ),
        (
            "[anonymize]\nrules = [{ claim = \"a\", action = \"drop\" }, { claim = \"a\", action = \"keep\" }]\n"
                .into(),
            "anonymize.rules[1]",
        ),
        (
            "[anonymize]\nrules = [{ claim = \"a\", glob = \"b*\", action = \"drop\" }]\n".into(),
            "anonymize.rules[0]",
        ),
        (
            "[anonymize]\ndetectors = [{ kind = \"email\", action = \"drop\" }, { kind = \"nope\", action = \"drop\" }]\n"
                .into(),
            "anonymize.detectors[1].kind",
        ),
        (
            "[redact]\ndetectors = { kinds = [\"nope\"] }\n".into(),
            "redact.detectors.kinds",
        ),
        (
            "[redact]\ndetectors = { kinds = [] }\n".into(),
            "redact.detectors.kinds",
        ),
        (
            format!(
                "{}[[jwt.authorization]]\npath_prefix = \"/api\"\nscopes = [\"a\"]\n[[jwt.authorization]]\npath_prefix = \"/api/admin\"\nroles = [\"admin\"]\n",
                issuer_with(&format!(r#"{{ format = "hmac", alg = "HS256", value = "{HMAC}" }}"#))
            ),
            "jwt.authorization[1].path_prefix",
        ),
        (
            format!(
                "{}[[jwt.authorization]]\npath_prefix = \"/api\"\nmethods = [\"PSOT\"]\n",
                issuer_with(&format!(r#"{{ format = "hmac", alg = "HS256", value = "{HMAC}" }}"#))
            ),
            "jwt.authorization[0].methods[0]",
        ),
        (
            "[redact]\nkeys = [{ key = \"a\", action = \"drop\" }, { key = \"ssn\", action = \"pseudonymize\" }]\n"
                .into(),
            "redact.keys[1].action",
        ),
        (
            "[redact]\nkeys = [{ key = \"\", action = \"drop\" }]\n".into(),
            "redact.keys[0].key",
        ),
        (
            "[redact]\npaths = [{ path = \"/a\", action = \"drop\" }, { path = \"nope\", action = \"drop\" }]\n"
                .into(),
            "redact.paths[1].path",
        ),
        (
            "[redact]\nlimits = { max_depth = 0 }\n".into(),
            "redact.limits",
        ),
    ];
    for (toml, path) in cases {
        let e = build_err(&toml);
        assert_eq!(e.path(), path, "for\n{toml}\ngot: {e}");
        assert!(!e.to_string().contains("hunter2"), "no value echoed: {e}");
    }
}

#[tokio::test]
async fn a_jwks_url_is_checked_and_named() {
    let e =
        build_err("[[jwt.issuers]]\nissuer = \"https://id.example\"\njwks_url = \"ftp://id.example/jwks\"\n");
    assert_eq!(e.path(), "jwt.issuers[0].jwks_url");
    let e = build_err(&format!(
        "[[jwt.issuers]]\nissuer = \"https://id.example\"\njwks_url = \"https://id.example/jwks\"\nkeys = [{{ format = \"hmac\", alg = \"HS256\", value = \"{HMAC}\" }}]\n"
    ));
    assert_eq!(e.path(), "jwt.issuers[0].jwks_url");
    #[cfg(feature = "jwks-http")]
    {
        let ok = Config::from_toml(
            "[[jwt.issuers]]\nissuer = \"https://id.example\"\njwks_url = \"https://id.example/jwks\"\n",
        )
        .expect("parses");
        Stack::from_config(&ok).expect("a JWKS URL builds inside a runtime");
    }
}

#[test]
fn parse_errors_name_their_key_path_in_every_format() {
    let e = Config::from_toml("[jwt.validation]\nleway_secs = 1\n").unwrap_err();
    assert_eq!(e.path(), "jwt.validation.leway_secs");
    let e = Config::from_json(r#"{"jwt": {"issuers": [{"issuer": "a", "keys": [{"format": "x509"}]}]}}"#)
        .unwrap_err();
    assert_eq!(e.path(), "jwt.issuers[0].keys[0].format");
    let e = Config::from_yaml("jwt:\n  cache:\n    entries: many\n").unwrap_err();
    assert_eq!(e.path(), "jwt.cache.entries");
    let e = Config::from_json(r#"{"trace": {}} trailing"#).unwrap_err();
    assert_eq!(e.path(), ".");
    let e = Config::from_toml("[redact]\nkeys = [{ key = \"a\", action = \"explode\" }]\n").unwrap_err();
    assert!(e.path().starts_with("redact.keys[0]"), "{e}");
}

#[test]
fn a_section_written_empty_is_refused_not_dropped() {
    // `jwt:` with every child commented out would otherwise build a stack
    // without authentication: the section is there, empty, and the stack
    // refuses a JWT section without issuers.
    for text in ["jwt:\n", "jwt:\n  # issuers: ...\nredact: {}\n", "jwt: ~\n"] {
        // Refused when read, or when the stack is built: never left out.
        let e = match Config::from_yaml(text) {
            Err(e) => e,
            Ok(c) => {
                assert!(c.jwt.is_some(), "{text:?}");
                Stack::from_config(&c).unwrap_err()
            }
        };
        assert!(e.path().starts_with("jwt"), "{text:?}: {e}");
    }
    for (text, path) in [
        ("redact:\n", "redact"),
        ("anonymize: ~\n", "anonymize"),
        ("trace: null\n", "trace"),
    ] {
        // On with its defaults, or refused; never silently off.
        match Config::from_yaml(text) {
            Err(e) => assert_eq!(e.path(), path, "{text:?}"),
            Ok(c) => assert!(
                c.redact.is_some() || c.anonymize.is_some() || c.trace.is_some(),
                "{text:?}"
            ),
        }
    }
    // JSON's null is not a section.
    let e = Config::from_json(r#"{"jwt": null}"#).unwrap_err();
    assert_eq!(e.path(), "jwt");
    // Absent sections are off, as before.
    let c = Config::from_yaml("trace: {}\n").unwrap();
    assert!(c.jwt.is_none() && c.redact.is_none() && c.trace.is_some());
}

#[test]
fn decryption_key_errors_name_their_key_path() {
    let issuer = issuer_with(&format!(
        r#"{{ format = "hmac", alg = "HS256", value = "{HMAC}" }}"#
    ));
    let cases = [
        (
            r#"{ format = "pem", value = "x" }"#,
            "jwt.encryption.decryption_keys[0].format",
        ),
        (
            r#"{ format = "hmac", alg = "A999KW", value = "base64:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY" }"#,
            "jwt.encryption.decryption_keys[0].alg",
        ),
        (
            r#"{ format = "hmac", value = "hex:00" }"#,
            "jwt.encryption.decryption_keys[0].alg",
        ),
        (
            r#"{ format = "jwk", value = "{}" }"#,
            "jwt.encryption.decryption_keys[0]",
        ),
        (
            r#"{ format = "jwks", value = "{\"keys\":[]}" }"#,
            "jwt.encryption.decryption_keys[0]",
        ),
        // `enc` binds a `dir` key only, to an `enc` its length fits.
        (
            &format!(r#"{{ format = "hmac", alg = "A256KW", enc = "A256GCM", value = "{HMAC}" }}"#),
            "jwt.encryption.decryption_keys[0].enc",
        ),
        (
            &format!(r#"{{ format = "hmac", alg = "dir", enc = "A128GCM", value = "{HMAC}" }}"#),
            "jwt.encryption.decryption_keys[0].enc",
        ),
        (
            &format!(r#"{{ format = "hmac", alg = "dir", enc = "A257GCM", value = "{HMAC}" }}"#),
            "jwt.encryption.decryption_keys[0].enc",
        ),
    ];
    for (key, path) in cases {
        let e = build_err(&format!("[jwt.encryption]\ndecryption_keys = [{key}]\n{issuer}"));
        assert_eq!(e.path(), path, "for {key}: {e}");
    }
    // On a verification key, `enc` means nothing: refused.
    let e = build_err(&issuer_with(&format!(
        r#"{{ format = "hmac", alg = "HS256", enc = "A256GCM", value = "{HMAC}" }}"#
    )));
    assert_eq!(e.path(), "jwt.issuers[0].keys[0].enc", "{e}");
    // A 32-byte `dir` key bound to A128CBC-HS256 builds.
    let dir = Config::from_toml(&format!(
        "[jwt.encryption]\ndecryption_keys = [{{ format = \"hmac\", alg = \"dir\", enc = \"A128CBC-HS256\", value = \"{HMAC}\" }}]\n{issuer}"
    ))
    .expect("parses");
    Stack::from_config(&dir).expect("builds");
    // A working symmetric key builds, with and without `require_encryption`.
    for require in [false, true] {
        let ok = Config::from_toml(&format!(
            "[jwt.encryption]\nrequire_encryption = {require}\ndecryption_keys = [{{ format = \"hmac\", alg = \"A256KW\", value = \"{HMAC}\" }}]\n{issuer}"
        ))
        .expect("parses");
        Stack::from_config(&ok).expect("builds");
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

    /// No input makes a parser panic; errors never quote the input back.
    #[test]
    fn parsers_never_panic(text in "\\PC{0,300}") {
        for format in [Format::Toml, Format::Json, Format::Yaml] {
            if let Err(e) = Config::parse(&text, format) {
                proptest::prop_assert!(!e.path().is_empty());
            }
        }
    }

    /// Near-valid documents: a valid skeleton with arbitrary values at
    /// arbitrary keys parses or fails with a path; building never panics.
    #[test]
    fn near_valid_configs_never_panic(
        key in "[a-z_]{1,12}",
        value in proptest::prop_oneof!["\"[a-zA-Z0-9:/+=._-]{0,40}\"", "-?[0-9]{1,20}", "\\[\\]", "true"],
    ) {
        let text = format!(
            "[jwt]\n{key} = {value}\n[[jwt.issuers]]\nissuer = \"https://id.example\"\n{key} = {value}\n[jwt.validation]\n{key} = {value}\n"
        );
        match Config::from_toml(&text) {
            Ok(config) => { let _ = Stack::from_config(&config); }
            Err(e) => proptest::prop_assert!(e.path().starts_with("jwt") || e.path() == ".", "{}", e),
        }
    }
}

//! RSA-OAEP key encryption with aws-lc-rs (the RustCrypto `rsa` crate is
//! avoided: RUSTSEC-2023-0071, the Marvin timing attack on decryption).

use aws_lc_rs::rsa::{
    OAEP_SHA1_MGF1SHA1, OAEP_SHA256_MGF1SHA256, OaepAlgorithm, OaepPrivateDecryptingKey,
    OaepPublicEncryptingKey,
};

use super::content::Failed;

fn algorithm(sha256: bool) -> &'static OaepAlgorithm {
    if sha256 {
        &OAEP_SHA256_MGF1SHA256
    } else {
        &OAEP_SHA1_MGF1SHA1
    }
}

/// Encrypts `cek` to `key`.
pub(crate) fn encrypt(key: &OaepPublicEncryptingKey, sha256: bool, cek: &[u8]) -> Result<Vec<u8>, Failed> {
    let mut out = vec![0u8; key.ciphertext_size()];
    let n = key
        .encrypt(algorithm(sha256), cek, &mut out, None)
        .map_err(|_| Failed)?
        .len();
    out.truncate(n);
    Ok(out)
}

/// Decrypts the encrypted key into `out`; succeeds only for a plaintext of
/// exactly `out.len()` bytes.
pub(crate) fn decrypt(
    key: &OaepPrivateDecryptingKey,
    sha256: bool,
    encrypted: &[u8],
    out: &mut [u8],
) -> Result<(), Failed> {
    if encrypted.len() != key.key_size_bytes() {
        return Err(Failed);
    }
    let mut buf = zeroize::Zeroizing::new(vec![0u8; key.min_output_size()]);
    let pt = key
        .decrypt(algorithm(sha256), encrypted, &mut buf, None)
        .map_err(|_| Failed)?;
    if pt.len() != out.len() {
        return Err(Failed);
    }
    out.copy_from_slice(pt);
    Ok(())
}

//! AES key wrap (RFC 3394, RustCrypto `aes-kw`) and AES-GCM key encryption
//! (RFC 7518 §4.7).

use aes_kw::{KeyInit, KwAes128, KwAes192, KwAes256};

use super::content::{Failed, gcm_open, gcm_seal};

/// Wraps `cek` with `kek` (16, 24 or 32 bytes).
pub(crate) fn wrap(kek: &[u8], cek: &[u8]) -> Result<Vec<u8>, Failed> {
    let mut out = vec![0u8; cek.len() + 8];
    let n = match kek.len() {
        16 => KwAes128::new_from_slice(kek)
            .map_err(|_| Failed)?
            .wrap_key(cek, &mut out)
            .map_err(|_| Failed)?
            .len(),
        24 => KwAes192::new_from_slice(kek)
            .map_err(|_| Failed)?
            .wrap_key(cek, &mut out)
            .map_err(|_| Failed)?
            .len(),
        32 => KwAes256::new_from_slice(kek)
            .map_err(|_| Failed)?
            .wrap_key(cek, &mut out)
            .map_err(|_| Failed)?
            .len(),
        _ => return Err(Failed),
    };
    out.truncate(n);
    Ok(out)
}

/// Unwraps `wrapped` into `out`, which must be exactly 8 bytes shorter.
pub(crate) fn unwrap(kek: &[u8], wrapped: &[u8], out: &mut [u8]) -> Result<(), Failed> {
    if wrapped.len() != out.len() + 8 {
        return Err(Failed);
    }
    match kek.len() {
        16 => KwAes128::new_from_slice(kek)
            .map_err(|_| Failed)?
            .unwrap_key(wrapped, out)
            .map(|_| ()),
        24 => KwAes192::new_from_slice(kek)
            .map_err(|_| Failed)?
            .unwrap_key(wrapped, out)
            .map(|_| ()),
        32 => KwAes256::new_from_slice(kek)
            .map_err(|_| Failed)?
            .unwrap_key(wrapped, out)
            .map(|_| ()),
        _ => return Err(Failed),
    }
    .map_err(|_| Failed)
}

/// AES-GCM key encryption: returns the encrypted CEK and the tag.
pub(crate) fn gcm_wrap(kek: &[u8], iv: &[u8], cek: &[u8]) -> Result<(Vec<u8>, [u8; 16]), Failed> {
    let mut buf = cek.to_vec();
    let tag = gcm_seal(kek, iv, &[], &mut buf)?;
    Ok((buf, tag))
}

/// AES-GCM key decryption into `out` (same length as `encrypted`).
pub(crate) fn gcm_unwrap(
    kek: &[u8],
    iv: &[u8],
    tag: &[u8],
    encrypted: &[u8],
    out: &mut [u8],
) -> Result<(), Failed> {
    if encrypted.len() != out.len() {
        return Err(Failed);
    }
    out.copy_from_slice(encrypted);
    gcm_open(kek, iv, &[], out, tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 3394 §4.1 and §4.6.
    #[test]
    fn rfc3394() {
        let kek: Vec<u8> = (0u8..16).collect();
        let key: Vec<u8> = (0u8..16).map(|i| i * 0x11).collect();
        let w = wrap(&kek, &key).unwrap();
        assert_eq!(w[..8], [0x1F, 0xA6, 0x8B, 0x0A, 0x81, 0x12, 0xB4, 0x47]);
        let mut out = [0u8; 16];
        unwrap(&kek, &w, &mut out).unwrap();
        assert_eq!(out[..], key[..]);
        let mut bad = w.clone();
        bad[3] ^= 1;
        assert!(unwrap(&kek, &bad, &mut out).is_err());
        assert!(unwrap(&kek, &w, &mut [0u8; 15]).is_err());
        assert!(unwrap(&kek[..15], &w, &mut out).is_err());
        for n in [24usize, 32] {
            let kek = vec![1u8; n];
            let w = wrap(&kek, &[9u8; 32]).unwrap();
            let mut out = [0u8; 32];
            unwrap(&kek, &w, &mut out).unwrap();
            assert_eq!(out, [9u8; 32]);
        }
    }
}

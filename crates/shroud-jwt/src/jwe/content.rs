//! Content encryption: AES-GCM (aes-gcm) and AES-CBC with HMAC-SHA-2
//! (RFC 7518 §5.2: MAC checked, in constant time, before decryption).

use aes_gcm::aead::consts::U12;
use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::{AesGcm, Nonce, Tag};
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};
use hmac::{Hmac, Mac};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::header::ContentEncryption;

/// The content could not be authenticated or decrypted. Deliberately empty.
#[derive(Debug)]
pub(crate) struct Failed;

type Gcm128 = AesGcm<aes::Aes128, U12>;
type Gcm192 = AesGcm<aes::Aes192, U12>;
type Gcm256 = AesGcm<aes::Aes256, U12>;

/// AES-GCM with a 12-byte IV; `key` is 16, 24 or 32 bytes. Encrypts `buf` in
/// place and returns the tag.
pub(crate) fn gcm_seal(key: &[u8], iv: &[u8], aad: &[u8], buf: &mut [u8]) -> Result<[u8; 16], Failed> {
    if iv.len() != 12 {
        return Err(Failed);
    }
    let nonce = Nonce::<U12>::try_from(iv).map_err(|_| Failed)?;
    let tag = match key.len() {
        16 => Gcm128::new_from_slice(key)
            .map_err(|_| Failed)?
            .encrypt_inout_detached(&nonce, aad, buf.into()),
        24 => Gcm192::new_from_slice(key)
            .map_err(|_| Failed)?
            .encrypt_inout_detached(&nonce, aad, buf.into()),
        32 => Gcm256::new_from_slice(key)
            .map_err(|_| Failed)?
            .encrypt_inout_detached(&nonce, aad, buf.into()),
        _ => return Err(Failed),
    }
    .map_err(|_| Failed)?;
    Ok(tag.into())
}

/// AES-GCM decryption in place; `buf` is left unspecified on failure.
pub(crate) fn gcm_open(key: &[u8], iv: &[u8], aad: &[u8], buf: &mut [u8], tag: &[u8]) -> Result<(), Failed> {
    if iv.len() != 12 || tag.len() != 16 {
        return Err(Failed);
    }
    let nonce = Nonce::<U12>::try_from(iv).map_err(|_| Failed)?;
    let tag = Tag::<aes_gcm::aead::consts::U16>::try_from(tag).map_err(|_| Failed)?;
    match key.len() {
        16 => Gcm128::new_from_slice(key)
            .map_err(|_| Failed)?
            .decrypt_inout_detached(&nonce, aad, buf.into(), &tag),
        24 => Gcm192::new_from_slice(key)
            .map_err(|_| Failed)?
            .decrypt_inout_detached(&nonce, aad, buf.into(), &tag),
        32 => Gcm256::new_from_slice(key)
            .map_err(|_| Failed)?
            .decrypt_inout_detached(&nonce, aad, buf.into(), &tag),
        _ => return Err(Failed),
    }
    .map_err(|_| Failed)
}

/// The CBC-HS tag: HMAC over `AAD || IV || ciphertext || AL`, truncated to
/// half the hash output (RFC 7518 §5.2.2.1).
fn cbc_hs_tag(
    enc: ContentEncryption,
    mac_key: &[u8],
    aad: &[u8],
    iv: &[u8],
    ct: &[u8],
) -> Zeroizing<Vec<u8>> {
    let al = ((aad.len() as u64) * 8).to_be_bytes();
    fn run<M: Mac + hmac::KeyInit>(k: &[u8], parts: [&[u8]; 4]) -> Zeroizing<Vec<u8>> {
        let mut mac = <M as hmac::KeyInit>::new_from_slice(k).expect("HMAC takes keys of any length");
        for p in parts {
            mac.update(p);
        }
        Zeroizing::new(mac.finalize().into_bytes().to_vec())
    }
    let parts = [aad, iv, ct, &al[..]];
    let mut full = match enc {
        ContentEncryption::A192CbcHs384 => run::<Hmac<sha2::Sha384>>(mac_key, parts),
        ContentEncryption::A256CbcHs512 => run::<Hmac<sha2::Sha512>>(mac_key, parts),
        _ => run::<Hmac<sha2::Sha256>>(mac_key, parts),
    };
    full.truncate(enc.tag_len());
    full
}

/// Encrypts `plaintext` with `cek`, returning the ciphertext and the tag.
pub(crate) fn seal(
    enc: ContentEncryption,
    cek: &[u8],
    iv: &[u8],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<(Vec<u8>, Vec<u8>), Failed> {
    if cek.len() != enc.key_len() || iv.len() != enc.iv_len() {
        return Err(Failed);
    }
    if enc.is_gcm() {
        let mut buf = plaintext.to_vec();
        let tag = gcm_seal(cek, iv, aad, &mut buf)?;
        return Ok((buf, tag.to_vec()));
    }
    let (mac_key, enc_key) = cek.split_at(cek.len() / 2);
    let mut buf = vec![0u8; (plaintext.len() / 16 + 1) * 16];
    buf[..plaintext.len()].copy_from_slice(plaintext);
    let n = match enc_key.len() {
        16 => cbc::Encryptor::<aes::Aes128>::new_from_slices(enc_key, iv)
            .map_err(|_| Failed)?
            .encrypt_padded::<Pkcs7>(&mut buf, plaintext.len())
            .map_err(|_| Failed)?
            .len(),
        24 => cbc::Encryptor::<aes::Aes192>::new_from_slices(enc_key, iv)
            .map_err(|_| Failed)?
            .encrypt_padded::<Pkcs7>(&mut buf, plaintext.len())
            .map_err(|_| Failed)?
            .len(),
        32 => cbc::Encryptor::<aes::Aes256>::new_from_slices(enc_key, iv)
            .map_err(|_| Failed)?
            .encrypt_padded::<Pkcs7>(&mut buf, plaintext.len())
            .map_err(|_| Failed)?
            .len(),
        _ => return Err(Failed),
    };
    buf.truncate(n);
    let tag = cbc_hs_tag(enc, mac_key, aad, iv, &buf);
    Ok((buf, tag.to_vec()))
}

/// Authenticates and decrypts `ct` with `cek`. The lengths of the CEK, IV and
/// tag must be exactly those of `enc`. For CBC-HS the tag is compared in
/// constant time before any decryption, so padding is only ever checked on
/// authentic ciphertext.
pub(crate) fn open(
    enc: ContentEncryption,
    cek: &[u8],
    iv: &[u8],
    aad: &[u8],
    ct: Vec<u8>,
    tag: &[u8],
) -> Result<Zeroizing<Vec<u8>>, Failed> {
    // Wiped however this ends: a failure after decryption has started (a
    // CBC padding error on authentic ciphertext) leaves plaintext in it.
    let mut ct = Zeroizing::new(ct);
    if cek.len() != enc.key_len() || iv.len() != enc.iv_len() || tag.len() != enc.tag_len() {
        return Err(Failed);
    }
    if enc.is_gcm() {
        gcm_open(cek, iv, aad, &mut ct, tag)?;
        return Ok(ct);
    }
    let (mac_key, enc_key) = cek.split_at(cek.len() / 2);
    let want = cbc_hs_tag(enc, mac_key, aad, iv, &ct);
    if !bool::from(want.as_slice().ct_eq(tag)) {
        return Err(Failed);
    }
    if ct.is_empty() || !ct.len().is_multiple_of(16) {
        return Err(Failed);
    }
    let n = match enc_key.len() {
        16 => cbc::Decryptor::<aes::Aes128>::new_from_slices(enc_key, iv)
            .map_err(|_| Failed)?
            .decrypt_padded::<Pkcs7>(&mut ct)
            .map_err(|_| Failed)?
            .len(),
        24 => cbc::Decryptor::<aes::Aes192>::new_from_slices(enc_key, iv)
            .map_err(|_| Failed)?
            .decrypt_padded::<Pkcs7>(&mut ct)
            .map_err(|_| Failed)?
            .len(),
        32 => cbc::Decryptor::<aes::Aes256>::new_from_slices(enc_key, iv)
            .map_err(|_| Failed)?
            .decrypt_padded::<Pkcs7>(&mut ct)
            .map_err(|_| Failed)?
            .len(),
        _ => return Err(Failed),
    };
    ct.truncate(n);
    Ok(ct)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_every_enc() {
        for enc in ContentEncryption::ALL {
            let cek = vec![7u8; enc.key_len()];
            let iv = vec![9u8; enc.iv_len()];
            for len in [0usize, 1, 15, 16, 17, 100] {
                let pt = vec![0x41u8; len];
                let (ct, tag) = seal(enc, &cek, &iv, b"aad", &pt).unwrap();
                assert_eq!(tag.len(), enc.tag_len());
                let out = open(enc, &cek, &iv, b"aad", ct.clone(), &tag).unwrap();
                assert_eq!(&out[..], &pt[..], "{enc:?} {len}");
                assert!(open(enc, &cek, &iv, b"aae", ct.clone(), &tag).is_err());
                let mut bad = tag.clone();
                bad[0] ^= 1;
                assert!(open(enc, &cek, &iv, b"aad", ct.clone(), &bad).is_err());
                assert!(open(enc, &cek, &iv, b"aad", ct.clone(), &tag[..tag.len() - 1]).is_err());
                assert!(open(enc, &cek[1..], &iv, b"aad", ct.clone(), &tag).is_err());
                assert!(open(enc, &cek, &iv[1..], b"aad", ct, &tag).is_err());
            }
        }
    }

    /// RFC 7518 Appendix B.1: AES_128_CBC_HMAC_SHA_256.
    #[test]
    fn rfc7518_b1() {
        let k: Vec<u8> = (0u8..32).collect();
        let p = b"A cipher system must not be required to be secret, and it must be able to fall into the hands of the enemy without inconvenience";
        let iv = [
            0x1a, 0xf3, 0x8c, 0x2d, 0xc2, 0xb9, 0x6f, 0xfd, 0xd8, 0x66, 0x94, 0x09, 0x23, 0x41, 0xbc, 0x04,
        ];
        let a = b"The second principle of Auguste Kerckhoffs";
        let (ct, tag) = seal(ContentEncryption::A128CbcHs256, &k, &iv, a, p).unwrap();
        assert_eq!(ct.len(), 144);
        assert_eq!(
            tag,
            [
                0x65, 0x2c, 0x3f, 0xa3, 0x6b, 0x0a, 0x7c, 0x5b, 0x32, 0x19, 0xfa, 0xb3, 0xa3, 0x0b, 0xc1,
                0xc4
            ]
        );
    }
}

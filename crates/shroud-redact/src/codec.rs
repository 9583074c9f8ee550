//! `Content-Encoding` decoding and re-encoding (feature `compression`):
//! push-style codecs driven from `poll_frame`.

#[cfg(feature = "compression")]
use std::io::Write;

use crate::error::RedactError;

/// Input is handed to a decoder in slices this long, and its output drained
/// (redacted, re-encoded and queued) after each, so one compressed frame
/// cannot inflate into an unbounded buffer: at most about a thousand times
/// this (the deflate limit) is held at once.
pub(crate) const DECODE_SLICE: usize = 1024;

/// A content coding this build can decode and re-encode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Coding {
    Gzip,
    Deflate,
    Brotli,
    Zstd,
}

impl Coding {
    /// The coding named by a `Content-Encoding` value; `None` for one this
    /// build does not decode (or a list of several).
    pub(crate) fn parse(value: &[u8]) -> Option<Coding> {
        let v = std::str::from_utf8(value).ok()?.trim();
        if cfg!(not(feature = "compression")) {
            return None;
        }
        match v.to_ascii_lowercase().as_str() {
            "gzip" | "x-gzip" => Some(Coding::Gzip),
            "deflate" => Some(Coding::Deflate),
            "br" => Some(Coding::Brotli),
            "zstd" => Some(Coding::Zstd),
            _ => None,
        }
    }

    #[cfg(feature = "compression")]
    fn name(self) -> &'static str {
        match self {
            Coding::Gzip => "gzip",
            Coding::Deflate => "deflate",
            Coding::Brotli => "br",
            Coding::Zstd => "zstd",
        }
    }
}

#[cfg(feature = "compression")]
enum Dec {
    Gzip(flate2::write::GzDecoder<Vec<u8>>),
    Deflate(flate2::write::ZlibDecoder<Vec<u8>>),
    Brotli(Box<brotli::DecompressorWriter<Vec<u8>>>),
    Zstd(zstd::stream::write::Decoder<'static, Vec<u8>>),
}

#[cfg(feature = "compression")]
enum Enc {
    Gzip(flate2::write::GzEncoder<Vec<u8>>),
    Deflate(flate2::write::ZlibEncoder<Vec<u8>>),
    Brotli(Box<brotli::CompressorWriter<Vec<u8>>>),
    Zstd(zstd::stream::write::Encoder<'static, Vec<u8>>),
}

/// A decoder and an encoder for one body.
pub(crate) struct Codec {
    coding: Coding,
    #[cfg(feature = "compression")]
    dec: Dec,
    #[cfg(feature = "compression")]
    enc: Option<Enc>,
}

impl std::fmt::Debug for Codec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Codec").field("coding", &self.coding).finish()
    }
}

#[cfg(feature = "compression")]
impl Codec {
    pub(crate) fn new(coding: Coding) -> Result<Codec, RedactError> {
        let err = RedactError::Decode {
            encoding: coding.name(),
        };
        let level = flate2::Compression::fast();
        let (dec, enc) = match coding {
            Coding::Gzip => (
                Dec::Gzip(flate2::write::GzDecoder::new(Vec::new())),
                Enc::Gzip(flate2::write::GzEncoder::new(Vec::new(), level)),
            ),
            Coding::Deflate => (
                Dec::Deflate(flate2::write::ZlibDecoder::new(Vec::new())),
                Enc::Deflate(flate2::write::ZlibEncoder::new(Vec::new(), level)),
            ),
            Coding::Brotli => (
                Dec::Brotli(Box::new(brotli::DecompressorWriter::new(Vec::new(), 4096))),
                Enc::Brotli(Box::new(brotli::CompressorWriter::new(Vec::new(), 4096, 4, 22))),
            ),
            Coding::Zstd => (
                Dec::Zstd(zstd::stream::write::Decoder::new(Vec::new()).map_err(|_| err.clone())?),
                Enc::Zstd(zstd::stream::write::Encoder::new(Vec::new(), 3).map_err(|_| err)?),
            ),
        };
        Ok(Codec {
            coding,
            dec,
            enc: Some(enc),
        })
    }

    fn err(&self) -> RedactError {
        RedactError::Decode {
            encoding: self.coding.name(),
        }
    }

    fn dec_out(&mut self) -> &mut Vec<u8> {
        match &mut self.dec {
            Dec::Gzip(d) => d.get_mut(),
            Dec::Deflate(d) => d.get_mut(),
            Dec::Brotli(d) => d.get_mut(),
            Dec::Zstd(d) => d.get_mut(),
        }
    }

    /// Decodes `input`, calling `sink` with each decoded piece.
    pub(crate) fn decode(
        &mut self,
        input: &[u8],
        sink: &mut dyn FnMut(&[u8]) -> Result<(), RedactError>,
    ) -> Result<(), RedactError> {
        for piece in input.chunks(DECODE_SLICE) {
            let r = match &mut self.dec {
                Dec::Gzip(d) => d.write_all(piece).and_then(|()| d.flush()),
                Dec::Deflate(d) => d.write_all(piece).and_then(|()| d.flush()),
                Dec::Brotli(d) => d.write_all(piece).and_then(|()| d.flush()),
                Dec::Zstd(d) => d.write_all(piece).and_then(|()| d.flush()),
            };
            r.map_err(|_| self.err())?;
            let out = std::mem::take(self.dec_out());
            if !out.is_empty() {
                sink(&out)?;
            }
            let mut out = out;
            out.clear();
            *self.dec_out() = out;
        }
        Ok(())
    }

    /// Ends the decoding: the compressed stream must be complete.
    pub(crate) fn finish_decode(
        &mut self,
        sink: &mut dyn FnMut(&[u8]) -> Result<(), RedactError>,
    ) -> Result<(), RedactError> {
        let err = self.err();
        let r = match &mut self.dec {
            Dec::Gzip(d) => d.try_finish(),
            Dec::Deflate(d) => d.try_finish(),
            Dec::Brotli(d) => d.close(),
            Dec::Zstd(d) => d.flush(),
        };
        r.map_err(|_| err)?;
        let out = std::mem::take(self.dec_out());
        if !out.is_empty() {
            sink(&out)?;
        }
        Ok(())
    }

    /// Encodes `plain` and flushes, so what was redacted leaves now.
    pub(crate) fn encode(&mut self, plain: &[u8]) -> Vec<u8> {
        let Some(enc) = &mut self.enc else {
            return Vec::new();
        };
        // Writing to a Vec cannot fail.
        let _ = match enc {
            Enc::Gzip(e) => e.write_all(plain).and_then(|()| e.flush()),
            Enc::Deflate(e) => e.write_all(plain).and_then(|()| e.flush()),
            Enc::Brotli(e) => e.write_all(plain).and_then(|()| e.flush()),
            Enc::Zstd(e) => e.write_all(plain).and_then(|()| e.flush()),
        };
        let buf = match enc {
            Enc::Gzip(e) => e.get_mut(),
            Enc::Deflate(e) => e.get_mut(),
            Enc::Brotli(e) => e.get_mut(),
            Enc::Zstd(e) => e.get_mut(),
        };
        std::mem::take(buf)
    }

    /// Ends the encoded stream.
    pub(crate) fn finish_encode(&mut self) -> Vec<u8> {
        match self.enc.take() {
            Some(Enc::Gzip(e)) => e.finish().unwrap_or_default(),
            Some(Enc::Deflate(e)) => e.finish().unwrap_or_default(),
            Some(Enc::Brotli(e)) => e.into_inner(),
            Some(Enc::Zstd(e)) => e.finish().unwrap_or_default(),
            None => Vec::new(),
        }
    }
}

#[cfg(not(feature = "compression"))]
impl Codec {
    /// Without the feature no coding is decodable: [`Coding::parse`] answers
    /// `None`, so this is never reached; it refuses all the same.
    pub(crate) fn new(_coding: Coding) -> Result<Codec, RedactError> {
        Err(RedactError::Encoding)
    }

    pub(crate) fn decode(
        &mut self,
        _input: &[u8],
        _sink: &mut dyn FnMut(&[u8]) -> Result<(), RedactError>,
    ) -> Result<(), RedactError> {
        Err(RedactError::Encoding)
    }

    pub(crate) fn finish_decode(
        &mut self,
        _sink: &mut dyn FnMut(&[u8]) -> Result<(), RedactError>,
    ) -> Result<(), RedactError> {
        Err(RedactError::Encoding)
    }

    pub(crate) fn encode(&mut self, _plain: &[u8]) -> Vec<u8> {
        Vec::new()
    }

    pub(crate) fn finish_encode(&mut self) -> Vec<u8> {
        Vec::new()
    }
}

#[cfg(all(test, feature = "compression"))]
mod tests {
    use std::io::Read;

    use super::*;

    fn roundtrip(coding: Coding, plain: &[u8]) {
        let mut enc = Codec::new(coding).unwrap();
        let mut compressed = enc.encode(plain);
        compressed.extend(enc.finish_encode());
        let mut dec = Codec::new(coding).unwrap();
        let mut got = Vec::new();
        for c in compressed.chunks(7) {
            dec.decode(c, &mut |p| {
                got.extend_from_slice(p);
                Ok(())
            })
            .unwrap();
        }
        dec.finish_decode(&mut |p| {
            got.extend_from_slice(p);
            Ok(())
        })
        .unwrap();
        assert_eq!(got, plain, "{coding:?}");
    }

    #[test]
    fn every_coding_round_trips() {
        let plain = b"{\"a\":\"jane@example.com\"}".repeat(500);
        for c in [Coding::Gzip, Coding::Deflate, Coding::Brotli, Coding::Zstd] {
            roundtrip(c, &plain);
        }
        // The gzip output is a standard stream.
        let mut enc = Codec::new(Coding::Gzip).unwrap();
        let mut gz = enc.encode(b"hello");
        gz.extend(enc.finish_encode());
        let mut s = String::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_string(&mut s)
            .unwrap();
        assert_eq!(s, "hello");
    }

    #[test]
    fn corrupt_and_truncated_streams_are_errors() {
        let mut dec = Codec::new(Coding::Gzip).unwrap();
        let r = dec.decode(b"not gzip at all", &mut |_| Ok(()));
        assert!(r.is_err());
        let mut enc = Codec::new(Coding::Gzip).unwrap();
        let mut gz = enc.encode(&b"x".repeat(1000));
        gz.extend(enc.finish_encode());
        let mut dec = Codec::new(Coding::Gzip).unwrap();
        dec.decode(&gz[..gz.len() / 2], &mut |_| Ok(())).unwrap();
        assert!(dec.finish_decode(&mut |_| Ok(())).is_err());
        assert_eq!(Coding::parse(b"compress"), None);
        assert_eq!(Coding::parse(b"gzip, br"), None);
        assert_eq!(Coding::parse(b" GZIP "), Some(Coding::Gzip));
    }
}

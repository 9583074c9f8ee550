//! `Content-Encoding` decoding and re-encoding (feature `compression`):
//! push-style codecs driven from `poll_frame`.

#[cfg(feature = "compression")]
use std::io::Write;

use crate::error::RedactError;

/// Input is handed to a decoder in slices this long, and its output drained
/// (redacted, re-encoded and queued) after each, so one compressed frame
/// cannot inflate into an unbounded buffer.
pub(crate) const DECODE_SLICE: usize = 1024;

/// The most one slice may inflate to: 4096 times [`DECODE_SLICE`]. Deflate
/// stops near 1032:1, but zstd and brotli encode long runs in a few bytes
/// (a zstd RLE block is 4 bytes for 128 KiB), so a 1 KiB slice could
/// otherwise become tens of MiB held at once. A body that inflates further
/// is refused ([`RedactError::Inflated`]): no text or JSON response is
/// that repetitive.
#[cfg(feature = "compression")]
pub(crate) const MAX_INFLATED_SLICE: usize = 4 << 20;

/// The largest zstd window a body may ask the decoder for, as a power of
/// two (8 MiB, the zstd format's recommended decoder minimum); a frame
/// header asking for more is refused instead of allocating up to 2 GiB.
#[cfg(feature = "compression")]
const ZSTD_WINDOW_LOG_MAX: u32 = 23;

/// A decoder's output buffer that refuses to grow past
/// [`MAX_INFLATED_SLICE`]: the decoder's write fails, and so does the body.
#[cfg(feature = "compression")]
#[derive(Default)]
struct Capped(Vec<u8>);

#[cfg(feature = "compression")]
impl Write for Capped {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        if self.0.len() + data.len() > MAX_INFLATED_SLICE {
            return Err(std::io::Error::other(Inflated));
        }
        self.0.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The error [`Capped`] fails with.
#[cfg(feature = "compression")]
#[derive(Debug)]
struct Inflated;

#[cfg(feature = "compression")]
impl std::fmt::Display for Inflated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("inflated past the cap")
    }
}

#[cfg(feature = "compression")]
impl std::error::Error for Inflated {}

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
    Gzip(flate2::write::GzDecoder<Capped>),
    Deflate(flate2::write::ZlibDecoder<Capped>),
    Brotli(Box<brotli::DecompressorWriter<Capped>>),
    Zstd(zstd::stream::write::Decoder<'static, Capped>),
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
                Dec::Gzip(flate2::write::GzDecoder::new(Capped::default())),
                Enc::Gzip(flate2::write::GzEncoder::new(Vec::new(), level)),
            ),
            Coding::Deflate => (
                Dec::Deflate(flate2::write::ZlibDecoder::new(Capped::default())),
                Enc::Deflate(flate2::write::ZlibEncoder::new(Vec::new(), level)),
            ),
            Coding::Brotli => (
                Dec::Brotli(Box::new(brotli::DecompressorWriter::new(Capped::default(), 4096))),
                Enc::Brotli(Box::new(brotli::CompressorWriter::new(Vec::new(), 4096, 4, 22))),
            ),
            Coding::Zstd => (
                Dec::Zstd({
                    let mut d =
                        zstd::stream::write::Decoder::new(Capped::default()).map_err(|_| err.clone())?;
                    d.window_log_max(ZSTD_WINDOW_LOG_MAX).map_err(|_| err.clone())?;
                    d
                }),
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
            Dec::Gzip(d) => &mut d.get_mut().0,
            Dec::Deflate(d) => &mut d.get_mut().0,
            Dec::Brotli(d) => &mut d.get_mut().0,
            Dec::Zstd(d) => &mut d.get_mut().0,
        }
    }

    /// The error for a failed decoder call: [`RedactError::Inflated`] when
    /// the output cap stopped it.
    fn dec_err(&self, e: &std::io::Error) -> RedactError {
        if e.get_ref().is_some_and(|inner| inner.is::<Inflated>()) {
            RedactError::Inflated {
                max: MAX_INFLATED_SLICE,
            }
        } else {
            self.err()
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
            r.map_err(|e| self.dec_err(&e))?;
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
        let r = match &mut self.dec {
            Dec::Gzip(d) => d.try_finish(),
            Dec::Deflate(d) => d.try_finish(),
            Dec::Brotli(d) => d.close(),
            Dec::Zstd(d) => d.flush(),
        };
        r.map_err(|e| self.dec_err(&e))?;
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

    /// Decodes `compressed` a frame at a time; the largest piece handed to
    /// the sink and the result.
    fn decode_all(coding: Coding, compressed: &[u8]) -> (usize, Result<(), RedactError>) {
        let mut dec = Codec::new(coding).unwrap();
        let mut largest = 0;
        let mut sink = |p: &[u8]| {
            largest = largest.max(p.len());
            Ok(())
        };
        let r = dec
            .decode(compressed, &mut sink)
            .and_then(|()| dec.finish_decode(&mut sink));
        (largest, r)
    }

    #[test]
    fn a_compression_bomb_is_refused_before_it_is_held() {
        // 64 MiB of zeros: zstd writes it in a few KiB (RLE blocks), so one
        // 1 KiB slice would inflate to tens of MiB.
        let zeros = vec![0u8; 64 << 20];
        let bomb = zstd::stream::encode_all(&zeros[..], 19).unwrap();
        assert!(bomb.len() < 64 << 10, "{}", bomb.len());
        let (largest, r) = decode_all(Coding::Zstd, &bomb);
        assert_eq!(
            r,
            Err(RedactError::Inflated {
                max: MAX_INFLATED_SLICE
            })
        );
        assert!(largest <= MAX_INFLATED_SLICE, "{largest}");
        // Brotli likewise.
        let mut br = Vec::new();
        {
            let mut w = brotli::CompressorWriter::new(&mut br, 4096, 9, 22);
            w.write_all(&zeros).unwrap();
        }
        let (largest, r) = decode_all(Coding::Brotli, &br);
        assert!(r.is_err(), "brotli bomb of {} bytes passed", br.len());
        assert!(largest <= MAX_INFLATED_SLICE, "{largest}");
        // Ordinary compressible JSON passes, and gzip's 1032:1 stays under
        // the cap.
        let json = b"{\"id\":1,\"note\":\"ok\"},".repeat(100_000);
        let mut enc = Codec::new(Coding::Zstd).unwrap();
        let mut z = enc.encode(&json);
        z.extend(enc.finish_encode());
        assert_eq!(decode_all(Coding::Zstd, &z).1, Ok(()));
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&zeros[..16 << 20]).unwrap();
        assert_eq!(decode_all(Coding::Gzip, &gz.finish().unwrap()).1, Ok(()));
    }

    #[test]
    fn a_zstd_window_past_8_mib_is_refused() {
        // Text that does not compress to a bomb: letters from a generator.
        let mut x = 0x2545_f491_4f6c_dd1d_u64;
        let text: Vec<u8> = (0..1 << 20)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                b"abcdefgh ,{}\"012"[(x % 16) as usize]
            })
            .collect();
        let mut enc = zstd::stream::write::Encoder::new(Vec::new(), 3).unwrap();
        enc.window_log(27).unwrap();
        enc.write_all(&text).unwrap();
        let wide = enc.finish().unwrap();
        let (_, r) = decode_all(Coding::Zstd, &wide);
        assert_eq!(r, Err(RedactError::Decode { encoding: "zstd" }));
        // The same text with the default window decodes.
        let narrow = zstd::stream::encode_all(&text[..], 3).unwrap();
        assert_eq!(decode_all(Coding::Zstd, &narrow).1, Ok(()));
    }
}

//! The standard normals of the demand noise, drawn in batches with the same bits as
//! rand_distr.
//!
//! The demand noise of a material in one replication is `h` standard normals from that
//! material's ChaCha8 stream ([`super::rng`]), drawn by rand_distr 0.6's `StandardNormal`
//! (a ZIGNOR ziggurat: per attempt one `next_u64`; box `i = bits & 0xff`;
//! `u = f64 in [2, 4) from bits >> 12, minus 3`; `x = u * X[i]`; accepted when
//! `|x| < X[i + 1]`, about 98.8% of draws). [`standard_normals`] gives the same values,
//! bit for bit, and leaves the stream where `sample` would: it fills a buffer of words
//! from the stream (`fill_bytes`, which yields the words `next_u64` would, in the same
//! order), runs the accept test over the buffer, and hands a rejected draw to
//! rand_distr's own `StandardNormal::sample` on an adapter (`Replay`) that reads the
//! buffer from that same word, then the stream: the slow paths (the pdf test and the
//! `i == 0` tail) are rand_distr's code consuming the same words.
//!
//! It never asks the stream for more words than normals still owed (a normal takes at
//! least one word), so no word is drawn and then dropped.
//!
//! Part of the simulation core: no I/O, no allocation; uses rand and rand_distr only.

use rand::rngs::ChaCha8Rng;
use rand::{Rng, TryRng};
use rand_distr::{Distribution, StandardNormal};
use std::convert::Infallible;

/// Words (`u64`) drawn from the stream per refill of the buffer (2 KiB on the stack).
const WORDS: usize = 256;

/// The exponent bits that put `bits >> 12` in `[2, 4)` (rand's
/// `into_float_with_exponent(1)`: `(1023 + 1) << 52`).
const EXP_2_4: u64 = 1024 << 52;

/// The ziggurat's abscissae `x_i` for the standard normal, copied verbatim from rand_distr
/// 0.6.0 (`src/ziggurat_tables.rs`, `ZIG_NORM_X`, MIT OR Apache-2.0, generated there by
/// `ziggurat_tables.py`), so the literals parse to the same `f64`s. rand_distr keeps its
/// table private; the tests check this copy against the draws of `StandardNormal` itself,
/// entry by entry and over millions of draws.
#[allow(clippy::excessive_precision, clippy::unreadable_literal)]
#[rustfmt::skip]
pub(crate) static ZIG_NORM_X: [f64; 257] = [
    3.910757959537090045, 3.654152885361008796, 3.449278298560964462, 3.320244733839166074,
    3.224575052047029100, 3.147889289517149969, 3.083526132001233044, 3.027837791768635434,
    2.978603279880844834, 2.934366867207854224, 2.894121053612348060, 2.857138730872132548,
    2.822877396825325125, 2.790921174000785765, 2.760944005278822555, 2.732685359042827056,
    2.705933656121858100, 2.680514643284522158, 2.656283037575502437, 2.633116393630324570,
    2.610910518487548515, 2.589575986706995181, 2.569035452680536569, 2.549221550323460761,
    2.530075232158516929, 2.511544441625342294, 2.493583041269680667, 2.476149939669143318,
    2.459208374333311298, 2.442725318198956774, 2.426670984935725972, 2.411018413899685520,
    2.395743119780480601, 2.380822795170626005, 2.366237056715818632, 2.351967227377659952,
    2.337996148795031370, 2.324308018869623016, 2.310888250599850036, 2.297723348901329565,
    2.284800802722946056, 2.272108990226823888, 2.259637095172217780, 2.247375032945807760,
    2.235313384928327984, 2.223443340090905718, 2.211756642882544366, 2.200245546609647995,
    2.188902771624720689, 2.177721467738641614, 2.166695180352645966, 2.155817819875063268,
    2.145083634046203613, 2.134487182844320152, 2.124023315687815661, 2.113687150684933957,
    2.103474055713146829, 2.093379631137050279, 2.083399693996551783, 2.073530263516978778,
    2.063767547809956415, 2.054107931648864849, 2.044547965215732788, 2.035084353727808715,
    2.025713947862032960, 2.016433734904371722, 2.007240830558684852, 1.998132471356564244,
    1.989106007615571325, 1.980158896898598364, 1.971288697931769640, 1.962493064942461896,
    1.953769742382734043, 1.945116560006753925, 1.936531428273758904, 1.928012334050718257,
    1.919557336591228847, 1.911164563769282232, 1.902832208548446369, 1.894558525668710081,
    1.886341828534776388, 1.878180486290977669, 1.870072921069236838, 1.862017605397632281,
    1.854013059758148119, 1.846057850283119750, 1.838150586580728607, 1.830289919680666566,
    1.822474540091783224, 1.814703175964167636, 1.806974591348693426, 1.799287584547580199,
    1.791640986550010028, 1.784033659547276329, 1.776464495522344977, 1.768932414909077933,
    1.761436365316706665, 1.753975320315455111, 1.746548278279492994, 1.739154261283669012,
    1.731792314050707216, 1.724461502945775715, 1.717160915015540690, 1.709889657069006086,
    1.702646854797613907, 1.695431651932238548, 1.688243209434858727, 1.681080704722823338,
    1.673943330923760353, 1.666830296159286684, 1.659740822855789499, 1.652674147080648526,
    1.645629517902360339, 1.638606196773111146, 1.631603456932422036, 1.624620582830568427,
    1.617656869570534228, 1.610711622367333673, 1.603784156023583041, 1.596873794420261339,
    1.589979870021648534, 1.583101723393471438, 1.576238702733332886, 1.569390163412534456,
    1.562555467528439657, 1.555733983466554893, 1.548925085471535512, 1.542128153226347553,
    1.535342571438843118, 1.528567729435024614, 1.521803020758293101, 1.515047842773992404,
    1.508301596278571965, 1.501563685112706548, 1.494833515777718391, 1.488110497054654369,
    1.481394039625375747, 1.474683555695025516, 1.467978458615230908, 1.461278162507407830,
    1.454582081885523293, 1.447889631277669675, 1.441200224845798017, 1.434513276002946425,
    1.427828197027290358, 1.421144398672323117, 1.414461289772464658, 1.407778276843371534,
    1.401094763676202559, 1.394410150925071257, 1.387723835686884621, 1.381035211072741964,
    1.374343665770030531, 1.367648583594317957, 1.360949343030101844, 1.354245316759430606,
    1.347535871177359290, 1.340820365893152122, 1.334098153216083604, 1.327368577624624679,
    1.320630975217730096, 1.313884673146868964, 1.307128989027353860, 1.300363230327433728,
    1.293586693733517645, 1.286798664489786415, 1.279998415710333237, 1.273185207661843732,
    1.266358287014688333, 1.259516886060144225, 1.252660221891297887, 1.245787495544997903,
    1.238897891102027415, 1.231990574742445110, 1.225064693752808020, 1.218119375481726552,
    1.211153726239911244, 1.204166830140560140, 1.197157747875585931, 1.190125515422801650,
    1.183069142678760732, 1.175987612011489825, 1.168879876726833800, 1.161744859441574240,
    1.154581450355851802, 1.147388505416733873, 1.140164844363995789, 1.132909248648336975,
    1.125620459211294389, 1.118297174115062909, 1.110938046009249502, 1.103541679420268151,
    1.096106627847603487, 1.088631390649514197, 1.081114409698889389, 1.073554065787871714,
    1.065948674757506653, 1.058296483326006454, 1.050595664586207123, 1.042844313139370538,
    1.035040439828605274, 1.027181966030751292, 1.019266717460529215, 1.011292417434978441,
    1.003256679539591412, 0.995156999629943084, 0.986990747093846266, 0.978755155288937750,
    0.970447311058864615, 0.962064143217605250, 0.953602409875572654, 0.945058684462571130,
    0.936429340280896860, 0.927710533396234771, 0.918898183643734989, 0.909987953490768997,
    0.900975224455174528, 0.891855070726792376, 0.882622229578910122, 0.873271068082494550,
    0.863795545546826915, 0.854189171001560554, 0.844444954902423661, 0.834555354079518752,
    0.824512208745288633, 0.814306670128064347, 0.803929116982664893, 0.793369058833152785,
    0.782615023299588763, 0.771654424216739354, 0.760473406422083165, 0.749056662009581653,
    0.737387211425838629, 0.725446140901303549, 0.713212285182022732, 0.700661841097584448,
    0.687767892786257717, 0.674499822827436479, 0.660822574234205984, 0.646695714884388928,
    0.632072236375024632, 0.616896989996235545, 0.601104617743940417, 0.584616766093722262,
    0.567338257040473026, 0.549151702313026790, 0.529909720646495108, 0.509423329585933393,
    0.487443966121754335, 0.463634336771763245, 0.437518402186662658, 0.408389134588000746,
    0.375121332850465727, 0.335737519180459465, 0.286174591747260509, 0.215241895913273806,
    0.000000000000000000,
];

/// The ziggurat's fast path on one word: `Some(x)` when rand_distr's `StandardNormal`
/// accepts it on the first attempt (it then returns exactly `x`), `None` when it goes on
/// to the `i == 0` tail or the pdf test.
#[inline(always)]
fn fast(bits: u64) -> Option<f64> {
    let i = (bits & 0xff) as usize;
    let u = f64::from_bits((bits >> 12) | EXP_2_4) - 3.0;
    let x = u * ZIG_NORM_X[i];
    (x.abs() < ZIG_NORM_X[i + 1]).then_some(x)
}

/// Draws `n` standard normals from `rng` and hands the `t`-th to `put(t, z)`, in order:
/// the same values, bit for bit, as `n` calls of `rng.sample::<f64, _>(StandardNormal)`,
/// and `rng` left in the same state.
#[inline]
pub fn standard_normals(rng: &mut ChaCha8Rng, n: usize, mut put: impl FnMut(usize, f64)) {
    let mut buf = [0u8; 8 * WORDS];
    let mut t = 0;
    while t < n {
        // At most one word per normal still owed: every normal takes at least one.
        let len = 8 * (n - t).min(WORDS);
        let buf = &mut buf[..len];
        rng.fill_bytes(buf);
        let mut p = 0;
        while p < len && t < n {
            let z = match buf.get(p..p + 8).and_then(|w| fast(le_u64(w))) {
                Some(x) => {
                    p += 8;
                    x
                }
                None => {
                    // rand_distr's own code from this word on: it redraws this word,
                    // rejects it as above, and goes on with the next ones.
                    let mut r = Replay {
                        rest: &buf[p..],
                        rng,
                    };
                    let z = StandardNormal.sample(&mut r);
                    p = len - r.rest.len();
                    z
                }
            };
            put(t, z);
            t += 1;
        }
    }
}

/// Fills `out` with standard normals from `rng`: `out[t]` is the `t`-th
/// `rng.sample::<f64, _>(StandardNormal)`, bit for bit (see [`standard_normals`]).
pub fn fill_standard_normals(rng: &mut ChaCha8Rng, out: &mut [f64]) {
    standard_normals(rng, out.len(), |t, z| out[t] = z);
}

/// The little-endian `u64` in the first 8 bytes of `w` (8 bytes long).
#[inline(always)]
fn le_u64(w: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(w);
    u64::from_le_bytes(b)
}

/// An RNG that yields the words left in a buffer filled from `rng`, then `rng`'s next
/// ones: the sequence `rng` itself would have yielded had the buffer not been drawn. Its
/// `u32`s, `u64`s and bytes follow ChaCha8Rng's own rules (a `u64` is two consecutive
/// `u32` words, low first; bytes are whole words, little-endian, a partial word at the
/// end consuming the whole word).
struct Replay<'a> {
    /// The words not yet used, as little-endian bytes (a multiple of 4 long).
    rest: &'a [u8],
    /// The stream the buffer was drawn from, positioned after its last word.
    rng: &'a mut ChaCha8Rng,
}

impl TryRng for Replay<'_> {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok(match self.rest.split_first_chunk::<4>() {
            Some((w, rest)) => {
                self.rest = rest;
                u32::from_le_bytes(*w)
            }
            None => self.rng.next_u32(),
        })
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        Ok(match self.rest.split_first_chunk::<8>() {
            Some((w, rest)) => {
                self.rest = rest;
                u64::from_le_bytes(*w)
            }
            None => {
                let lo = self.try_next_u32()?;
                let hi = self.try_next_u32()?;
                u64::from(hi) << 32 | u64::from(lo)
            }
        })
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for chunk in dst.chunks_mut(4) {
            let w = self.try_next_u32()?.to_le_bytes();
            chunk.copy_from_slice(&w[..chunk.len()]);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::rng;
    use rand::RngExt;

    /// An RNG that passes on `inner`'s words and keeps the `u64`s it handed out.
    struct Recording<'a> {
        inner: &'a mut ChaCha8Rng,
        words: Vec<u64>,
    }

    impl TryRng for Recording<'_> {
        type Error = Infallible;
        fn try_next_u32(&mut self) -> Result<u32, Infallible> {
            unreachable!("StandardNormal draws u64s only")
        }
        fn try_next_u64(&mut self) -> Result<u64, Infallible> {
            let w = self.inner.next_u64();
            self.words.push(w);
            Ok(w)
        }
        fn try_fill_bytes(&mut self, _: &mut [u8]) -> Result<(), Infallible> {
            unreachable!("StandardNormal draws u64s only")
        }
    }

    /// `fill_bytes` yields the words `next_u64` yields (two consecutive `u32` words, low
    /// first), from an even or an odd word position, across ChaCha8's 64-word blocks, and
    /// leaves the stream at the same place: the premise of drawing the buffer in one go.
    #[test]
    fn fill_bytes_gives_the_words_of_next_u64() {
        for sub in 0..4 {
            for skip in 0..3 {
                for k in [1, 2, 31, 32, 33, 64, 100, 256, 1000] {
                    let mut a = rng::stream(7, 3, sub);
                    let mut b = rng::stream(7, 3, sub);
                    for _ in 0..skip {
                        assert_eq!(a.next_u32(), b.next_u32());
                    }
                    let mut bytes = vec![0u8; 8 * k];
                    a.fill_bytes(&mut bytes);
                    for w in bytes.chunks_exact(8) {
                        assert_eq!(le_u64(w), b.next_u64(), "sub {sub} skip {skip} k {k}");
                    }
                    assert_eq!(a.next_u64(), b.next_u64());
                    assert_eq!(a.next_u32(), b.next_u32());
                }
            }
        }
    }

    /// [`Replay`] yields the buffer's words, then the stream's, as the stream alone would,
    /// whatever mix of `u32`s, `u64`s and bytes is asked for.
    #[test]
    fn replay_continues_the_stream() {
        for split in [0usize, 4, 8, 12, 40] {
            let mut a = rng::stream(11, 0, 5);
            let mut b = rng::stream(11, 0, 5);
            let mut buf = vec![0u8; split];
            a.fill_bytes(&mut buf);
            let mut r = Replay {
                rest: &buf,
                rng: &mut a,
            };
            for step in 0..40 {
                match step % 4 {
                    0 => assert_eq!(r.next_u32(), b.next_u32()),
                    1 | 2 => assert_eq!(r.next_u64(), b.next_u64()),
                    _ => {
                        let (mut x, mut y) = ([0u8; 7], [0u8; 7]);
                        r.fill_bytes(&mut x);
                        b.fill_bytes(&mut y);
                        assert_eq!(x, y);
                    }
                }
            }
        }
    }

    /// Each entry `X[i]`, `i < 255`, is the one rand_distr uses: a first word with box `i`
    /// and `u = 0.5` (bits `0xC_0000_0000_0000 << 12`, i.e. 3.5 - 3) is accepted when
    /// `0.5 X[i] < X[i + 1]` (true for every `i < 255`: the boxes' widths shrink by less
    /// than half), and `StandardNormal` then returns exactly `0.5 X[i]` (a product by a
    /// power of two is exact). `X[256] = 0` closes the ziggurat at the mode.
    #[test]
    fn table_entries_are_rand_distr_s() {
        assert_eq!(ZIG_NORM_X[256].to_bits(), 0.0f64.to_bits());
        for i in 0..255u64 {
            let word = (0xC_0000_0000_0000u64 << 12) | i;
            assert_eq!(fast(word), Some(0.5 * ZIG_NORM_X[i as usize]), "box {i}");
            let mut backing = rng::stream(1, 0, 0);
            let bytes = word.to_le_bytes();
            let mut r = Replay {
                rest: &bytes,
                rng: &mut backing,
            };
            let z: f64 = StandardNormal.sample(&mut r);
            assert_eq!(
                z.to_bits(),
                (0.5 * ZIG_NORM_X[i as usize]).to_bits(),
                "box {i}"
            );
        }
    }

    /// The draws equal `rng.sample(StandardNormal)`, bit for bit, over 10^6 normals from
    /// many streams and lengths (short ones put rejected words at the end of a buffer, so
    /// the slow path reads on from the stream), and leave each stream where `sample` does.
    /// Counts, from the words the reference consumed, that the slow paths ran: of the ~1.7
    /// million normals, about 1.5% have a rejected first word (25,424 with these streams),
    /// the `i == 0` tail has probability `(1/256)(1 - X[1]/X[0]) ≈ 2.6e-4` (455 here,
    /// ~440 expected), and 859 slow paths read past the buffer; the bounds below are far
    /// under these counts.
    #[test]
    fn draws_equal_rand_distr_bit_for_bit() {
        let (mut total, mut slow, mut tail, mut slow_at_end) = (0usize, 0usize, 0usize, 0usize);
        let mut got = Vec::new();
        let lens = [1usize, 2, 3, 255, 256, 257, 730, 5000];
        // 1000 streams of every length, then 20,000 of 1 to 3 normals.
        for s in 0..21_000u64 {
            let n = match s {
                0..1000 => lens[s as usize % lens.len()],
                _ => 1 + s as usize % 3,
            };
            for sub in 0..2 {
                let mut a = rng::stream(s ^ 0x5eed, s, rng::SUB_DEMAND + sub);
                let mut b = rng::stream(s ^ 0x5eed, s, rng::SUB_DEMAND + sub);
                got.clear();
                got.resize(n, f64::NAN);
                fill_standard_normals(&mut a, &mut got);
                let mut rec = Recording {
                    inner: &mut b,
                    words: Vec::new(),
                };
                // Words used so far: with `n <= WORDS` the buffer is drawn once, `n` words.
                let mut used = 0;
                for (t, g) in got.iter().enumerate() {
                    rec.words.clear();
                    let want: f64 = rec.sample(StandardNormal);
                    assert_eq!(g.to_bits(), want.to_bits(), "stream {s}/{sub} normal {t}");
                    let first = rec.words[0];
                    if fast(first).is_none() {
                        slow += 1;
                        tail += usize::from(first & 0xff == 0);
                        slow_at_end += usize::from(n <= WORDS && used + rec.words.len() > n);
                    }
                    used += rec.words.len();
                }
                assert_eq!(
                    a.next_u64(),
                    b.next_u64(),
                    "stream {s}/{sub} left elsewhere"
                );
                total += n;
            }
        }
        assert!(total >= 1_000_000, "{total} normals");
        assert!(slow > 5_000, "{slow} slow paths");
        assert!(tail > 100, "{tail} tails");
        assert!(
            slow_at_end > 50,
            "{slow_at_end} slow paths at a buffer's end"
        );
    }
}

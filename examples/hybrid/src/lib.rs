//! hybrid._native: the Rust half of pinwheel's example package (PyO3).
//!
//! Pure functions only; errors are Python ValueErrors naming the argument.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

/// Mean of each full window of `values` (len(values) - window + 1 values).
fn rolling_mean_impl(values: &[f64], window: usize) -> Option<Vec<f64>> {
    if window == 0 || window > values.len() {
        return None;
    }
    let mut out = Vec::with_capacity(values.len() - window + 1);
    let mut acc: f64 = values[..window].iter().sum();
    out.push(acc / window as f64);
    for i in window..values.len() {
        acc += values[i] - values[i - window];
        out.push(acc / window as f64);
    }
    Some(out)
}

/// FNV-1a, 64 bits.
fn fnv1a64_impl(data: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in data {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Adler-32 (RFC 1950).
fn adler32_impl(data: &[u8]) -> u32 {
    const MOD: u32 = 65_521;
    let (mut a, mut b) = (1u32, 0u32);
    // 5552 bytes is the most that cannot overflow b before the reduction.
    for chunk in data.chunks(5552) {
        for &x in chunk {
            a += u32::from(x);
            b += a;
        }
        a %= MOD;
        b %= MOD;
    }
    (b << 16) | a
}

/// rolling_mean(values, window) -> list[float]
///
/// Mean of each full window of a sequence of floats.
#[pyfunction]
fn rolling_mean(values: Vec<f64>, window: usize) -> PyResult<Vec<f64>> {
    rolling_mean_impl(&values, window).ok_or_else(|| {
        PyValueError::new_err(format!(
            "window must be in 1..{}, got {}",
            values.len(),
            window
        ))
    })
}

/// fnv1a64(data: bytes) -> int
#[pyfunction]
fn fnv1a64(data: &[u8]) -> u64 {
    fnv1a64_impl(data)
}

/// adler32(data: bytes) -> int
#[pyfunction]
fn adler32(data: &[u8]) -> u32 {
    adler32_impl(data)
}

// gil_used = false: the functions share no state, so a free-threaded CPython
// (cp313t) keeps its GIL disabled when it imports the module.
#[pymodule(gil_used = false)]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(rolling_mean, m)?)?;
    m.add_function(wrap_pyfunction!(fnv1a64, m)?)?;
    m.add_function(wrap_pyfunction!(adler32, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors() {
        assert_eq!(fnv1a64_impl(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64_impl(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64_impl(b"foobar"), 0x8594_4171_f739_67e8);
        assert_eq!(adler32_impl(b"Wikipedia"), 0x11e6_0398);
        assert_eq!(adler32_impl(b""), 1);
        assert_eq!(rolling_mean_impl(&[1.0, 2.0, 3.0, 4.0], 2), Some(vec![1.5, 2.5, 3.5]));
        assert_eq!(rolling_mean_impl(&[1.0], 2), None);
    }
}

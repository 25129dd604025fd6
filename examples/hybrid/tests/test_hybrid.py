"""Tests of the installed hybrid package: every extension imports and computes
hand-checked values.

Runs under pytest (python -m pytest tests) and as a plain script
(python tests/test_hybrid.py), since a smoke-test environment may have no
pytest.  It tests the installed package: the source tree's directory is taken
off sys.path first, so running from the source tree works too.
"""

import functools
import importlib
import math
import operator
import os
import sys

import numpy as np

_SOURCE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _SOURCE_ROOT]

import hybrid  # noqa: E402  (after the sys.path fix above)

EXTENSIONS = [
    "hybrid._core",
    "hybrid._signals",
    "hybrid._rolling_f64",
    "hybrid._rolling_i64",
    "hybrid._rolling_u8",
    "hybrid._stats",
    "hybrid._native",
]


def raises(exc, fn, *args):
    """True when fn(*args) raises exc (no pytest.raises: plain-script mode)."""
    try:
        fn(*args)
    except exc:
        return True
    return False


def test_every_extension_is_compiled():
    assert sorted(hybrid.EXTENSIONS) == sorted(EXTENSIONS)
    for name in EXTENSIONS:
        mod = importlib.import_module(name)
        # Compiled, not a .py stand-in: the file is a shared object.
        assert mod.__file__.endswith(".so"), (name, mod.__file__)


def test_version():
    assert isinstance(hybrid.__version__, str) and hybrid.__version__[0].isdigit()
    assert hybrid._native.__version__ == "0.1.0"


def test_core():
    from hybrid import _core

    # Naive left-to-right summation gives 0.9999999999999999; Kahan gives 1.0.
    # (Not sum(): since Python 3.12 it compensates too.)
    assert functools.reduce(operator.add, [0.1] * 10) != 1.0
    assert _core.total([0.1] * 10) == 1.0
    assert _core.total([]) == 0.0
    assert list(_core.ewma([10.0, 20.0, 20.0], 0.5)) == [10.0, 15.0, 17.5]
    assert len(_core.ewma([], 0.5)) == 0
    assert raises(ValueError, _core.ewma, [1.0], 0.0)
    r = _core.simple_returns([100.0, 110.0, 99.0])
    assert math.isclose(r[0], 0.1) and math.isclose(r[1], -0.1)
    assert raises(ValueError, _core.simple_returns, [1.0])
    assert raises(ValueError, _core.total, [[1.0, 2.0]])  # 2-d is refused


def test_signals_cimport_core():
    from hybrid import _signals

    sig = _signals.crossover([1.0, 1.0, 3.0, 3.0, 1.0], [2.0] * 5)
    assert sig.dtype == np.int8
    assert list(sig) == [0, 0, 1, 0, -1]
    assert raises(ValueError, _signals.crossover, [1.0, 2.0], [1.0])
    # mean of 1, 2, 3, 6 is 3 -> (6 - 3) / 3
    assert _signals.deviation_from_mean([1.0, 2.0, 3.0, 6.0]) == 1.0
    # slow EWMA (alpha 0.5) of 10, 10, 20, 5 is 10, 10, 15, 10; fast (alpha 1)
    # is the price: above at 2 (20 > 15), below at 3 (5 < 10).
    assert list(_signals.ewma_crossover([10.0, 10.0, 20.0, 5.0], 1.0, 0.5)) == [0, 0, 1, -1]


def test_rolling_float64():
    m = hybrid.rolling("float64")
    assert m is hybrid._rolling_f64 and m.DTYPE == "float64"
    s = m.rolling_sum([1.5, 2.5, 3.0, 4.0], 2)
    assert s.dtype == np.float64 and list(s) == [4.0, 5.5, 7.0]
    assert list(m.rolling_mean([1.5, 2.5, 3.0, 4.0], 2)) == [2.0, 2.75, 3.5]
    assert list(m.rolling_max([1.0, -2.0, 5.0, 0.5], 3)) == [5.0, 5.0]
    assert raises(ValueError, m.rolling_sum, [1.0, 2.0], 3)
    assert raises(ValueError, m.rolling_sum, [1.0, 2.0], 0)


def test_rolling_int64_is_exact():
    m = hybrid.rolling("int64")
    big = 2**53 + 1  # not representable in float64
    s = m.rolling_sum(np.array([big, 1, -3, 7], dtype=np.int64), 3)
    assert s.dtype == np.int64 and list(s) == [big - 2, 5]
    mx = m.rolling_max(np.array([-5, -1, -9], dtype=np.int64), 2)
    assert mx.dtype == np.int64 and list(mx) == [-1, -1]
    assert list(m.rolling_mean(np.array([1, 2, 4], dtype=np.int64), 2)) == [1.5, 3.0]
    # No silent float -> int64 cast.
    assert raises(TypeError, m.rolling_sum, np.array([1.5, 2.5]), 1)


def test_rolling_uint8_widens():
    m = hybrid.rolling("uint8")
    x = np.array([250, 10, 200, 0], dtype=np.uint8)
    s = m.rolling_sum(x, 2)
    assert s.dtype == np.int64 and list(s) == [260, 210, 200]
    mx = m.rolling_max(x, 2)
    assert mx.dtype == np.uint8 and list(mx) == [250, 200, 200]
    assert list(m.rolling_mean(x, 4)) == [115.0]
    assert raises(ValueError, hybrid.rolling, "float32")


def test_stats():
    from hybrid import _stats

    xs = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]
    assert _stats.mean_var(xs) == (5.0, 4.0)
    assert _stats.mean_var(xs, 1) == (5.0, 32.0 / 7.0)
    assert _stats.std(xs) == 2.0
    # peak 120 -> 90 is the worst fall: 30 / 120
    assert _stats.max_drawdown([100.0, 120.0, 90.0, 130.0, 117.0]) == 0.25
    assert _stats.max_drawdown([1.0, 2.0, 3.0]) == 0.0
    assert list(_stats.zscore([1.0, 3.0])) == [-1.0, 1.0]
    assert raises(ValueError, _stats.zscore, [2.0, 2.0])
    assert raises(ValueError, _stats.mean_var, [1.0], 1)


def test_native_rust():
    from hybrid import _native

    # FNV-1a 64 and Adler-32 published test vectors.
    assert _native.fnv1a64(b"") == 0xCBF29CE484222325
    assert _native.fnv1a64(b"a") == 0xAF63DC4C8601EC8C
    assert _native.fnv1a64(b"foobar") == 0x85944171F73967E8
    assert _native.adler32(b"") == 1
    assert _native.adler32(b"Wikipedia") == 0x11E60398
    # Past one 5552-byte reduction block: a = 1 + 6000 = 6001,
    # b = sum_{k=1..6000} (1 + k) = 6000 + 6000*6001/2 = 18009000 ≡ 18009000 mod 65521
    assert _native.adler32(b"\x01" * 6000) == ((18009000 % 65521) << 16) | 6001
    assert _native.rolling_mean([1.0, 2.0, 3.0, 4.0], 2) == [1.5, 2.5, 3.5]
    assert _native.rolling_mean(np.array([2.0, 4.0]), 2) == [3.0]
    assert raises(ValueError, _native.rolling_mean, [1.0], 2)
    assert raises(TypeError, _native.fnv1a64, "text")


def test_rust_and_cython_agree():
    xs = np.linspace(-3.0, 7.0, 101)
    a = hybrid._rolling_f64.rolling_mean(xs, 10)
    b = np.array(hybrid._native.rolling_mean(list(xs), 10))
    assert a.shape == b.shape == (92,)
    assert np.allclose(a, b, rtol=0, atol=1e-12)


def test_selftest():
    assert hybrid.selftest(verbose=False) >= 15


def main():
    tests = [(n, f) for n, f in sorted(globals().items()) if n.startswith("test_") and callable(f)]
    failed = 0
    for name, fn in tests:
        try:
            fn()
        except Exception as e:  # report every failure, then exit non-zero
            failed += 1
            print(f"FAIL {name}: {type(e).__name__}: {e}")
        else:
            print(f"ok   {name}")
    print(f"{len(tests) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Checks of every extension against hand-computed values (see selftest())."""

import sys
import sysconfig

import numpy as np


def _close(got, want, tol=1e-12):
    return abs(got - want) <= tol * max(1.0, abs(want))


def run():
    """Run every check; return how many passed (all of them, or raise)."""
    from . import _core, _native, _rolling_f64, _rolling_i64, _rolling_u8, _signals, _stats

    checks = []

    def check(cond, what):
        if not cond:
            raise AssertionError(f"hybrid selftest: {what}")
        checks.append(what)

    # _core: 0.1 ten times is exactly 1.0 with compensation.
    check(_core.total([0.1] * 10) == 1.0, "_core.total compensates")
    check(list(_core.ewma([10.0, 20.0, 20.0], 0.5)) == [10.0, 15.0, 17.5], "_core.ewma")
    r = _core.simple_returns([100.0, 110.0, 99.0])
    check(_close(r[0], 0.1) and _close(r[1], -0.1), "_core.simple_returns")

    # _signals: fast crosses above slow at 2, below at 4.
    sig = _signals.crossover([1.0, 1.0, 3.0, 3.0, 1.0], [2.0, 2.0, 2.0, 2.0, 2.0])
    check(sig.dtype == np.int8 and list(sig) == [0, 0, 1, 0, -1], "_signals.crossover")
    # mean 3 -> (6 - 3) / 3
    check(_close(_signals.deviation_from_mean([1.0, 2.0, 3.0, 6.0]), 1.0),
          "_signals.deviation_from_mean uses _core.kahan_sum")
    # The fast EWMA (alpha 1) is the price 10, 10, 20, 5; the slow one
    # (alpha 0.5) is 10, 10, 15, 10: above at 2, below at 3.
    check(list(_signals.ewma_crossover([10.0, 10.0, 20.0, 5.0], 1.0, 0.5)) == [0, 0, 1, -1],
          "_signals.ewma_crossover uses _core.ewma_next")

    # _rolling_*: one template, three dtypes.
    s = _rolling_f64.rolling_sum([1.5, 2.5, 3.0, 4.0], 2)
    check(s.dtype == np.float64 and list(s) == [4.0, 5.5, 7.0], "_rolling_f64.rolling_sum")
    s = _rolling_i64.rolling_sum(np.array([2**40, 1, -3, 7], dtype=np.int64), 3)
    check(s.dtype == np.int64 and list(s) == [2**40 - 2, 5], "_rolling_i64.rolling_sum")
    s = _rolling_u8.rolling_sum(np.array([250, 10, 200, 0], dtype=np.uint8), 2)
    check(s.dtype == np.int64 and list(s) == [260, 210, 200], "_rolling_u8.rolling_sum widens")
    m = _rolling_u8.rolling_max(np.array([3, 9, 2, 7], dtype=np.uint8), 2)
    check(m.dtype == np.uint8 and list(m) == [9, 9, 7], "_rolling_u8.rolling_max")
    check(list(_rolling_i64.rolling_mean(np.array([1, 2, 4], dtype=np.int64), 2)) == [1.5, 3.0],
          "_rolling_i64.rolling_mean")

    # _stats
    mean, var = _stats.mean_var([2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0])
    check(mean == 5.0 and var == 4.0, "_stats.mean_var")
    check(_stats.std([2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]) == 2.0, "_stats.std")
    check(_close(_stats.max_drawdown([100.0, 120.0, 90.0, 130.0, 117.0]), 0.25),
          "_stats.max_drawdown")

    # _native (Rust): published test vectors.
    check(_native.fnv1a64(b"foobar") == 0x85944171F73967E8, "_native.fnv1a64")
    check(_native.adler32(b"Wikipedia") == 0x11E60398, "_native.adler32")
    check(_native.rolling_mean([1.0, 2.0, 3.0, 4.0], 2) == [1.5, 2.5, 3.5], "_native.rolling_mean")

    # A free-threaded CPython re-enables its GIL when it imports a module
    # that does not declare itself free-threading safe: all seven do.
    if sysconfig.get_config_var("Py_GIL_DISABLED"):
        check(not sys._is_gil_enabled(), "the GIL stays disabled (free-threaded build)")
    return len(checks)

"""hybrid: pinwheel's example package.

A tiny backtesting kernel split over seven compiled extensions: six in Cython
on numpy's C API (_core, _signals, _rolling_f64, _rolling_i64, _rolling_u8,
_stats) and one in Rust through PyO3 (_native).
"""

from . import _core, _native, _rolling_f64, _rolling_i64, _rolling_u8, _signals, _stats
from ._core import ewma, simple_returns, total
from ._native import adler32, fnv1a64
from ._signals import crossover, deviation_from_mean, ewma_crossover
from ._stats import max_drawdown, mean_var, std, zscore
from ._version import __version__

EXTENSIONS = (
    "hybrid._core",
    "hybrid._signals",
    "hybrid._rolling_f64",
    "hybrid._rolling_i64",
    "hybrid._rolling_u8",
    "hybrid._stats",
    "hybrid._native",
)

_ROLLING = {
    "float64": _rolling_f64,
    "int64": _rolling_i64,
    "uint8": _rolling_u8,
}


def rolling(dtype):
    """The rolling-window module for a dtype name: float64, int64 or uint8."""
    try:
        return _ROLLING[str(dtype)]
    except KeyError:
        raise ValueError(f"no rolling kernels for dtype '{dtype}'; expected one of "
                         + ", ".join(_ROLLING)) from None


def selftest(verbose=True):
    """Exercise every extension against hand-computed values.

    Raises AssertionError on the first wrong value; prints one line when
    verbose.  Needs nothing but numpy (no test runner).
    """
    from ._selftest import run

    n = run()
    if verbose:
        print(f"hybrid {__version__}: {len(EXTENSIONS)} extensions, {n} checks ok")
    return n


__all__ = [
    "EXTENSIONS",
    "__version__",
    "adler32",
    "crossover",
    "deviation_from_mean",
    "ewma",
    "ewma_crossover",
    "fnv1a64",
    "max_drawdown",
    "mean_var",
    "rolling",
    "selftest",
    "simple_returns",
    "std",
    "total",
    "zscore",
]

"""Build the extensions of the hybrid example.

Metadata lives in pyproject.toml; this file only declares what pyproject.toml
cannot: six Cython extensions on numpy's C API and the Rust extension
hybrid._native (PyO3, built by setuptools-rust).

Reproducibility, from this side (pinwheel fixes the rest: the build path, the
toolchains, SOURCE_DATE_EPOCH, umask, CARGO_HOME):
  * cythonize runs on relative paths from this directory and writes its C
    into build/cython/, never next to the sources, so the sdist never carries
    stale generated C and the C names only relative paths;
  * the C compiler maps this directory and numpy's include directory (inside
    a throw-away build environment under pip/build isolation) to fixed names,
    so debug info and __FILE__ do not carry them;
  * cargo runs with --locked: Cargo.lock is used as it is, never updated.
"""

import os

import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools_rust import Binding, RustExtension, Strip

HERE = os.path.dirname(os.path.abspath(__file__))
os.chdir(HERE)  # cythonize and the path maps below expect relative paths

NUMPY_INCLUDE = numpy.get_include()

# NPY_NO_DEPRECATED_API: compile against numpy's current C API only.
MACROS = [("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")]

COMPILE_ARGS = [
    f"-ffile-prefix-map={HERE}=.",
    f"-ffile-prefix-map={NUMPY_INCLUDE}=numpy-include",
]


def cython_ext(name):
    """One extension module from hybrid/<name>.pyx."""
    return Extension(
        f"hybrid.{name}",
        [f"hybrid/{name}.pyx"],
        include_dirs=[NUMPY_INCLUDE],
        define_macros=MACROS,
        extra_compile_args=COMPILE_ARGS,
    )


# _core exports cdef functions through _core.pxd; _signals cimports them.
# _rolling_{f64,i64,u8} are one template (_rolling.pxi) specialised per dtype.
CYTHON_MODULES = [
    "_core",
    "_signals",
    "_rolling_f64",
    "_rolling_i64",
    "_rolling_u8",
    "_stats",
]

extensions = cythonize(
    [cython_ext(m) for m in CYTHON_MODULES],
    build_dir="build/cython",
    compiler_directives={
        "language_level": 3,
        "boundscheck": False,
        "wraparound": False,
        "cdivision": True,
        "embedsignature": True,
        # The modules keep no shared mutable state: a free-threaded CPython
        # (cp313t) keeps its GIL disabled when it imports them.
        "freethreading_compatible": True,
    },
    # Only relative paths reach the generated C; no annotation HTML.
    annotate=False,
    quiet=True,
)

setup(
    ext_modules=extensions,
    rust_extensions=[
        RustExtension(
            "hybrid._native",
            path="Cargo.toml",
            binding=Binding.PyO3,
            debug=False,
            # Cargo.toml's release profile strips debug info; symbols stay.
            strip=Strip.No,
            cargo_manifest_args=["--locked"],
        )
    ],
    zip_safe=False,
)

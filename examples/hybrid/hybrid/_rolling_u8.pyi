from typing import Final

import numpy as np
import numpy.typing as npt

DTYPE: Final[str]

def rolling_sum(values: npt.ArrayLike, window: int) -> npt.NDArray[np.int64]: ...
def rolling_mean(values: npt.ArrayLike, window: int) -> npt.NDArray[np.float64]: ...
def rolling_max(values: npt.ArrayLike, window: int) -> npt.NDArray[np.uint8]: ...

"""emml: machine learning for microcontrollers.

Converts trained models into compact C99, runs that same C on the host so
predictions can be checked, and reports flash, RAM and estimated cycles per
target board.
"""

__version__ = "0.1.0"

from emml.convert import convert  # noqa: E402
from emml.model import Model, UnsupportedError  # noqa: E402
from emml.paths import runtime_dir  # noqa: E402

__all__ = ["Model", "UnsupportedError", "__version__", "convert", "runtime_dir"]

"""emml: machine learning for microcontrollers.

Converts trained models into compact C99, runs that same C on the host so
predictions can be checked, and reports flash, RAM and estimated cycles per
target board.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]

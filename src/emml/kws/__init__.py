"""emml.kws: audio keyword spotting end to end.

    emml kws train --data DIR --board py32f003 --out OUT

reads a folder of WAV files per class (emml.kws.audio), computes the q15
log-mel front end exactly as the firmware does (emml.kws.pipeline), trains
small int8 Conv1D networks of several sizes (emml.kws.train), keeps the most
accurate one whose whole firmware (apps/audio_kws) fits the board and its
CPU budget (emml.kws.device), and writes the artifact, the generated C,
metrics.json and a report with plots (emml.kws.report).
"""

from emml.kws.artifact import Artifact, generate, load  # noqa: F401
from emml.kws.audio import BadClipWarning, KwsDataError, load_folder  # noqa: F401
from emml.kws.pipeline import KwsConfig, stream_decisions  # noqa: F401

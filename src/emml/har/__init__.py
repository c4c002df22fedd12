"""Activity recognition from recordings to firmware (`emml har`, apps/har).

    from emml.har import TrainOptions, train
    metrics = train(TrainOptions(data="recordings/", rate_hz=26, board="ch32v003", out="out/"))

Modules: data (lenient folder loader, windows), search (model grid, sizes),
artifact (the .joblib the firmware is generated from), codegen (its C),
device (build apps/har, stream recordings through it in QEMU, profile it),
train (the whole pipeline), report (report.md and plots).
"""

from emml.har.artifact import HarArtifact, HarArtifactError  # noqa: F401
from emml.har.data import HarDataError, LoadReport, Recording, Units, load_folder, windows_of  # noqa: F401
from emml.har.train import HarTrainError, TrainOptions, train  # noqa: F401

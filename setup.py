"""Packaging hook: the wheel carries emml's C runtime, boards and app sources.

The repository keeps one copy of each (lib/emml is also the PlatformIO library
and the Zephyr module); build_py copies the folders listed in
emml.paths.BUNDLED into the package as emml/_resources/<same path>, where
emml.paths.resource_root() finds them in an installed wheel.
Everything else is in pyproject.toml.
"""

import runpy
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
_paths = runpy.run_path(str(HERE / "src" / "emml" / "paths.py"))
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc")


class BuildPyWithResources(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install reads the checkout itself
            return
        target = Path(self.build_lib) / "emml" / _paths["PACKAGED_RESOURCES"]
        shutil.rmtree(target, ignore_errors=True)
        for rel in _paths["BUNDLED"]:
            source = HERE / rel
            if source.is_dir():
                shutil.copytree(source, target / rel, ignore=IGNORED)
            else:
                (target / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target / rel)


setup(cmdclass={"build_py": BuildPyWithResources})

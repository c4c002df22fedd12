"""emml dev-platform: bare-metal boards described by boards/<name>.json.

The toolchains are the system GCC cross compilers, wrapped as local
PlatformIO packages: a folder with a package.json and bin/ links, generated
under the project's workspace (.pio/toolchains/<package>) and referenced
with a symlink:// spec, so nothing is fetched from the PlatformIO registry.
A `platform_packages = toolchain-gccarmnoneeabi @ <spec>` line in
platformio.ini still takes precedence (e.g. a registry toolchain on a
machine with internet).

The helpers at module level (TOOLCHAINS, ensure_toolchain, ...) need only
the standard library; scripts/pio_offline.py uses them too.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile

# package name -> which board arch uses it and which system tools it wraps
TOOLCHAINS = {
    "toolchain-gccarmnoneeabi": {"arch": "arm", "prefix": "arm-none-eabi-"},
    "toolchain-riscv-emml": {"arch": "riscv", "prefix": "riscv64-unknown-elf-"},
}


def toolchain_dir(workspace_dir, name):
    return os.path.join(str(workspace_dir), "toolchains", name)


def toolchain_is_ready(path, name):
    gcc = os.path.join(str(path), "bin", TOOLCHAINS[name]["prefix"] + "gcc")
    return os.path.isfile(os.path.join(str(path), "package.json")) and os.path.isfile(gcc)


def _semver(text):
    parts = (text.strip().split(".") + ["0", "0", "0"])[:3]
    return ".".join(str(int("".join(c for c in p if c.isdigit()) or 0)) for p in parts)


def ensure_toolchain(workspace_dir, name):
    """Create (once) the local package for toolchain `name` and return its path.

    Raises FileNotFoundError when the cross compiler is not installed."""
    path = toolchain_dir(workspace_dir, name)
    if toolchain_is_ready(path, name):
        return path
    prefix = TOOLCHAINS[name]["prefix"]
    gcc = shutil.which(prefix + "gcc")
    if not gcc:
        raise FileNotFoundError(
            f"{prefix}gcc not found on PATH; install it (Debian: scripts/setup.sh installs "
            f"gcc-arm-none-eabi / gcc-riscv64-unknown-elf) or set platform_packages"
        )
    bindir = os.path.dirname(os.path.realpath(gcc)) if not os.path.isfile(
        os.path.join(os.path.dirname(gcc), prefix + "objcopy")
    ) else os.path.dirname(gcc)
    version = subprocess.run(
        [gcc, "-dumpfullversion", "-dumpversion"], capture_output=True, text=True, check=True
    ).stdout.split()[0]
    parent = os.path.dirname(path)
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=f".{name}.", dir=parent)
    os.chmod(tmp, 0o755)
    os.mkdir(os.path.join(tmp, "bin"))
    for tool in sorted(os.listdir(bindir)):
        if tool.startswith(prefix):
            os.symlink(os.path.join(bindir, tool), os.path.join(tmp, "bin", tool))
    with open(os.path.join(tmp, "package.json"), "w", encoding="utf-8") as fp:
        json.dump(
            {
                "name": name,
                "version": _semver(version),
                "description": f"System {prefix}gcc {version} ({bindir}), linked by emml",
                "system": "*",
                "keywords": ["toolchain", "emml", "local"],
            },
            fp,
            indent=2,
        )
        fp.write("\n")
    if os.path.isdir(path):  # stale (e.g. compiler moved): replace it
        shutil.rmtree(path)
    try:
        os.rename(tmp, path)
    except OSError:  # another build created it at the same moment
        shutil.rmtree(tmp, ignore_errors=True)
    return path


try:
    from platformio.public import PlatformBase
except ImportError:  # imported by scripts/pio_offline.py without PlatformIO: helpers only
    PlatformBase = object


def emml_root(platform_dir):
    """The folder holding platform/, boards/ and lib/emml: an emml checkout,
    or the resources inside an installed emml wheel (same layout)."""
    return os.path.normpath(os.path.join(str(platform_dir), "..", ".."))


class EmmlPlatform(PlatformBase):
    def emml_root(self):
        return emml_root(self.get_dir())

    def get_boards(self, id_=None):
        """The project's boards first (boards_dir), then emml's own boards/,
        so a project outside the checkout names `board = py32f003` and nothing else."""
        from platformio.platform.board import PlatformBoardConfig
        from platformio.platform.exception import UnknownBoard

        try:
            found = super().get_boards(id_)
        except UnknownBoard:
            found = None
        if id_ is not None and found is not None:
            return found
        emml_boards = os.path.join(self.emml_root(), "boards")
        for item in sorted(os.listdir(emml_boards)) if os.path.isdir(emml_boards) else []:
            board_id = item[:-5]
            if item.endswith(".json") and board_id not in self._BOARDS_CACHE and id_ in (None, board_id):
                config = PlatformBoardConfig(os.path.join(emml_boards, item))
                config.manifest["platform"] = self.name
                self._BOARDS_CACHE[board_id] = config
        if id_ is None:
            return self._BOARDS_CACHE
        if id_ not in self._BOARDS_CACHE:
            raise UnknownBoard(id_)
        return self._BOARDS_CACHE[id_]

    def configure_default_packages(self, options, targets):
        board = options.get("board")
        if board:
            arch = self.board_config(board).get("emml.arch", "")
            custom = {
                item.split("@", 1)[0].strip().split("/")[-1]
                for item in (self._custom_packages or [])
            }
            workspace = self.config.get("platformio", "workspace_dir")
            for name, info in TOOLCHAINS.items():
                if info["arch"] != arch:
                    continue
                self.packages[name]["optional"] = False
                if name not in custom:
                    path = ensure_toolchain(workspace, name)
                    self.packages[name]["version"] = "symlink://" + path
        return super().configure_default_packages(options, targets)

    def is_embedded(self):
        # `pio test` builds the test firmware and then uploads it; for the
        # emulated boards "upload" runs it in QEMU.
        return True

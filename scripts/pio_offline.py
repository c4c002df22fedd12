#!/usr/bin/env python3
"""Prepare PlatformIO to build emml firmware without its package registry.

Run by scripts/setup.sh on every set-up; idempotent, and a no-op (well under
a second) when everything is already in place. It writes two things:

1. tool-scons in PlatformIO's core packages folder
   ($PLATFORMIO_CORE_DIR/packages/tool-scons, default this checkout's
   .pio-core, named by core_dir in platformio.ini; --core-dir picks another), made
   from the PyPI `scons` package installed next to PlatformIO. The version
   written to its .piopm is the one the installed PlatformIO asks for, read
   from PlatformIO's own source at run time. If a tool-scons that satisfies
   PlatformIO is already there (e.g. downloaded on a machine with internet),
   it is left alone.

2. The toolchain packages of the local dev-platform (platform/emml): folders
   under .pio/toolchains/ (git-ignored) holding a package.json and bin/
   links to the system cross compilers (arm-none-eabi-*, riscv64-unknown-elf-*).
   The platform resolves them itself (platform/emml/platform.py), and
   re-creates them if they are missing.

Usage: python scripts/pio_offline.py [--check] [--quiet] [--core-dir DIR]
  --check  only report what is missing; exit 1 if anything is.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PLATFORM_DIR = REPO / "platform" / "emml"


def log(msg: str, quiet: bool = False) -> None:
    if not quiet:
        print(f"pio_offline: {msg}")


# --------------------------------------------------------------------------
# tool-scons


def required_scons_spec() -> str:
    """The version spec PlatformIO uses for its tool-scons core package,
    e.g. "~4.41101.0", read from the installed PlatformIO."""
    try:
        from platformio.dependencies import get_core_dependencies

        return get_core_dependencies()["tool-scons"]
    except (ImportError, KeyError):
        pass
    # Older/newer layouts: search PlatformIO's sources for the requirement.
    import platformio

    pattern = re.compile(r"""["']tool-scons["']\s*:\s*["']([^"']+)["']""")
    for path in sorted(Path(platformio.__file__).parent.rglob("*.py")):
        match = pattern.search(path.read_text(encoding="utf-8", errors="replace"))
        if match:
            return match.group(1)
    raise RuntimeError(
        "cannot find the tool-scons version PlatformIO requires in its sources; "
        "this PlatformIO version is not supported by scripts/pio_offline.py"
    )


def scons_package_version(scons_version: str) -> str:
    """PlatformIO's tool-scons numbering: SCons X.Y.Z is packaged as
    X.(40000 + 100*Y + Z).0, e.g. 4.11.1 -> 4.41101.0."""
    major, minor, patch = (int(p) for p in scons_version.split(".")[:3])
    return f"{major}.{40000 + 100 * minor + patch}.0"


def pick_version(spec: str) -> str:
    """Lowest version named in the spec that satisfies it (e.g. "~4.41101.0"
    -> "4.41101.0")."""
    import semantic_version

    simple = semantic_version.SimpleSpec(spec)
    for candidate in re.findall(r"\d+\.\d+\.\d+", spec):
        if semantic_version.Version(candidate) in simple:
            return candidate
    raise RuntimeError(f"cannot pick a version satisfying PlatformIO's tool-scons spec {spec!r}")


def installed_scons_dir(spec: str) -> str | None:
    """Path of a tool-scons PlatformIO would accept, or None."""
    from platformio.package.manager.tool import ToolPackageManager
    from platformio.package.meta import PackageSpec

    pm = ToolPackageManager()
    pkg = pm.get_package(PackageSpec(owner="platformio", name="tool-scons", requirements=spec))
    if pkg and (Path(pkg.path) / "scons.py").is_file():
        return pkg.path
    return None


LAUNCHER = '''\
"""SCons launcher for PlatformIO, written by emml's scripts/pio_offline.py
from the PyPI scons {scons_version} package (PlatformIO's registry was not used)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "engine"))

from SCons.Script.Main import main  # noqa: E402

if __name__ == "__main__":
    main()
'''


def prefill_scons(check: bool, quiet: bool) -> bool:
    """Returns True when tool-scons is (now) usable."""
    from platformio.package.manager.tool import ToolPackageManager
    from platformio.package.meta import PackageMetadata, PackageSpec

    spec = required_scons_spec()
    found = installed_scons_dir(spec)
    if found:
        log(f"tool-scons {spec} present: {found}", quiet)
        return True
    if check:
        log(f"tool-scons {spec} is missing", False)
        return False

    import SCons

    version = pick_version(spec)
    expected = scons_package_version(SCons.__version__)
    if expected != version:
        log(
            f"warning: PlatformIO asks for tool-scons {spec}, the installed PyPI scons is "
            f"{SCons.__version__} (= {expected}); using it as {version}",
            False,
        )
    pm = ToolPackageManager()
    packages_dir = Path(pm.package_dir)
    target = packages_dir / "tool-scons"
    tmp = packages_dir / f".tool-scons.tmp"
    if tmp.exists():
        shutil.rmtree(tmp)
    if target.exists():
        # An incompatible tool-scons (wrong version for this PlatformIO):
        # PlatformIO itself would replace it, so do the same.
        shutil.rmtree(target)
    (tmp / "engine").mkdir(parents=True)
    shutil.copytree(
        Path(SCons.__file__).parent,
        tmp / "engine" / "SCons",
        ignore=shutil.ignore_patterns("__pycache__", "*Tests.py"),
    )
    (tmp / "scons.py").write_text(LAUNCHER.format(scons_version=SCons.__version__))
    (tmp / "package.json").write_text(
        json.dumps(
            {
                "name": "tool-scons",
                "version": version,
                "description": f"SCons {SCons.__version__} from PyPI (prepared offline by emml)",
                "system": "*",
                "homepage": "https://scons.org",
                "license": "MIT",
            },
            indent=2,
        )
        + "\n"
    )
    PackageMetadata(
        type="tool",
        name="tool-scons",
        version=version,
        spec=PackageSpec(owner="platformio", name="tool-scons", requirements=spec),
    ).dump(str(tmp / ".piopm"))
    tmp.rename(target)
    ToolPackageManager().memcache_reset()
    if installed_scons_dir(spec) is None:
        raise RuntimeError(f"wrote {target} but PlatformIO does not accept it as tool-scons {spec}")
    log(f"tool-scons {version} (SCons {SCons.__version__} from PyPI) -> {target}")
    return True


# --------------------------------------------------------------------------
# toolchains


def load_platform_module():
    spec = importlib.util.spec_from_file_location("emml_pio_platform", PLATFORM_DIR / "platform.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def prepare_toolchains(check: bool, quiet: bool) -> bool:
    platform = load_platform_module()
    ok = True
    for name in platform.TOOLCHAINS:
        if check:
            path = platform.toolchain_dir(REPO / ".pio", name)
            if not platform.toolchain_is_ready(path, name):
                log(f"{name} is missing ({path})", False)
                ok = False
            continue
        try:
            path = platform.ensure_toolchain(REPO / ".pio", name)
        except FileNotFoundError as exc:
            log(f"warning: {exc}", False)
            ok = False
            continue
        log(f"{name} -> {path}", quiet)
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only report what is missing")
    parser.add_argument("--quiet", action="store_true", help="print only warnings and changes")
    parser.add_argument("--core-dir", type=Path, metavar="DIR",
                        help="the PlatformIO core folder to fill (default: $PLATFORMIO_CORE_DIR, else this "
                             "checkout's own .pio-core, as its platformio.ini says; ~/.platformio for your "
                             "own projects)")
    args = parser.parse_args(argv)
    if args.core_dir is not None:
        os.environ["PLATFORMIO_CORE_DIR"] = str(args.core_dir.expanduser().resolve())
    # PlatformIO reads core_dir from the platformio.ini of the current folder: the checkout's
    os.chdir(REPO)
    ok = prefill_scons(args.check, args.quiet)
    ok = prepare_toolchains(args.check, args.quiet) and ok
    return 0 if ok or not args.check else 1


if __name__ == "__main__":
    sys.exit(main())

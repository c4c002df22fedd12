"""`emml info`: the version, where the C runtime is, and which optional parts are here."""

from __future__ import annotations

import argparse
import shutil

import emml
from emml import extras, paths

#: Command-line tools emml uses when they are on PATH (what, which programs).
TOOLS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("host C compiler", ("gcc", "cc", "clang")),
    ("Cortex-M toolchain", ("arm-none-eabi-gcc",)),
    ("RV32EC toolchain", ("riscv64-unknown-elf-gcc",)),
    ("QEMU (Arm boards)", ("qemu-system-arm",)),
    ("QEMU (RISC-V boards)", ("qemu-system-riscv32",)),
)

#: Optional Python packages and what they enable.
PACKAGES: tuple[tuple[str, str], ...] = (
    ("tensorflow", "Keras models, emml.nn.quantize"),
    ("tflite_micro", ".tflite models, int8 reference"),
    ("platformio", "pio builds of the apps and your projects"),
    ("unicorn", "cycle estimates (emml profile, report)"),
    ("pexpect", "running firmware in QEMU"),
    ("matplotlib", "training reports' plots"),
    ("pooch", "downloading data sets"),
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("info", help="version, C runtime folder, and which optional parts are installed")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    checkout = paths.checkout_root()
    print(f"emml {emml.__version__} ({'checkout ' + str(checkout) if checkout else 'installed package'})")
    print(f"C runtime      {emml.runtime_dir()}")
    print(f"boards         {paths.boards_dir()}")
    print(f"cache          {paths.cache_dir()}")
    root = paths.resource_root()
    print("your PlatformIO project's platformio.ini:")
    print(f"  platform = symlink://{root / 'platform' / 'emml'}")
    print(f"  lib_deps = symlink://{paths.runtime_dir()}")
    print("tools:")
    for what, programs in TOOLS:
        found = next((shutil.which(p) for p in programs if shutil.which(p)), None)
        print(f"  {what:<22} {found or 'not found (install it to build for these boards)'}")
    print("optional Python packages:")
    for module, enables in PACKAGES:
        extra = extras.EXTRA_OF[module.split('.')[0]]
        state = "yes" if extras.available(module) else f"no: pip install 'emml[{extra}]'"
        print(f"  {module:<13} {state:<34} {enables}")
    return 0

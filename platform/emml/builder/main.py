"""SCons build script of the emml dev-platform.

Firmware for board B = the app (src_dir, or the test folder under `pio test`)
+ boards/B/*.c|*.S + boards/common/*.c + boards/common/<arch>/*.c|*.S
+ lib/emml (found by the Library Dependency Finder), compiled with the flags
of boards/B.json ("emml" section) plus emml's strict C99 set. The same rules
are implemented without PlatformIO in src/emml/firmware.py; keep them equal.

Targets: the default builds .pio/build/<env>/firmware.elf (+ .map, .bin) and
prints flash/RAM use against the board's limits; `-t upload` runs the image
in QEMU on emulated boards (UART on stdin/stdout, the program's exit status
decides success) and explains which tool to use on build-only boards.
"""

import os
import subprocess
import sys

from SCons.Script import (  # pylint: disable=import-error
    COMMAND_LINE_TARGETS,
    AlwaysBuild,
    Default,
    DefaultEnvironment,
)

env = DefaultEnvironment()
board = env.BoardConfig()
board_id = env.subst("$BOARD")
project_dir = env.subst("$PROJECT_DIR")
emml = board.get("emml", {})
arch = emml.get("arch")
if arch not in ("arm", "riscv"):
    sys.stderr.write(
        "Error: board '%s' has no emml.arch (arm or riscv) in its JSON; "
        "the emml platform builds only boards from emml's boards/ folder\n" % board_id
    )
    env.Exit(1)

# boards/<name>.json lives in a boards folder (emml's, or the project's own
# boards_dir), the board's C code next to it; the code all boards share is emml's.
emml_root = env.PioPlatform().emml_root()  # the checkout, or an installed wheel's resources
boards_dir = os.path.join(project_dir, os.path.dirname(board.manifest_path))
board_src_dir = os.path.join(boards_dir, board_id)
common_dir = os.path.join(emml_root, "boards", "common")
runtime_include = os.path.join(emml_root, "lib", "emml", "include")

prefix = emml["toolchain_prefix"]
arch_flags = list(emml.get("cflags", []))
STRICT = ["-Wall", "-Wextra", "-Wconversion", "-pedantic", "-Werror"]
OPTIMIZE = ["-Os", "-ffunction-sections", "-fdata-sections"]

env.Replace(
    AR=prefix + "ar",
    AS=prefix + "gcc",
    CC=prefix + "gcc",
    CXX=prefix + "g++",
    GDB=prefix + "gdb",
    OBJCOPY=prefix + "objcopy",
    RANLIB=prefix + "ranlib",
    SIZETOOL=prefix + "size",
    ARFLAGS=["rc"],
    # Berkeley format: flash = text + data, RAM = data + bss (incl. reserved stack)
    SIZECHECKCMD="$SIZETOOL -B -d $SOURCES",
    SIZEPROGREGEXP=r"^(\d+)\s+(\d+)\s+\d+\s",
    SIZEDATAREGEXP=r"^\d+\s+(\d+)\s+(\d+)\s+\d+",
    PROGNAME="firmware",
    PROGSUFFIX=".elf",
)

env.Append(
    CCFLAGS=arch_flags + OPTIMIZE + STRICT,
    CFLAGS=["-std=c99"],
    ASFLAGS=arch_flags,
    ASPPFLAGS=["-x", "assembler-with-cpp"],
    CPPPATH=[common_dir, board_src_dir, runtime_include],
    LINKFLAGS=arch_flags
    + OPTIMIZE
    + ["-nostartfiles", "-Wl,--gc-sections", "-Wl,-Map,${BUILD_DIR}/${PROGNAME}.map"],
)

if arch == "arm":
    env.Append(LINKFLAGS=["--specs=nano.specs", "--specs=nosys.specs"], LIBS=["m"])
else:
    # Debian's riscv64-unknown-elf-gcc has no rv32e multilib: no libc, and
    # libgcc for the right ABI must be named explicitly.
    libgcc = subprocess.run(
        [prefix + "gcc"] + list(emml.get("libgcc_march", arch_flags)) + ["-print-libgcc-file-name"],
        capture_output=True,
        text=True,
        check=False,
        env=dict(os.environ, PATH=env["ENV"]["PATH"]),
    ).stdout.strip()
    if not os.path.isfile(libgcc):
        sys.stderr.write("Error: %sgcc gave no libgcc for %s\n" % (prefix, emml.get("libgcc_march")))
        env.Exit(1)
    env.Append(LIBS=[env.File(libgcc)])
env.Append(LINKFLAGS=list(emml.get("ldflags", ["-nostdlib"] if arch == "riscv" else [])))

# Linker script: build.ldscript is relative to the project (or absolute).
ldscript = board.get("build.ldscript", "")
if ldscript and not os.path.isabs(ldscript):
    candidates = [os.path.join(d, ldscript) for d in (project_dir, os.path.dirname(boards_dir), emml_root)]
    ldscript = next((c for c in candidates if os.path.isfile(c)), candidates[0])
if not ldscript or not os.path.isfile(ldscript):
    sys.stderr.write("Error: linker script '%s' of board '%s' not found\n" % (ldscript, board_id))
    env.Exit(1)
env.Replace(LDSCRIPT_PATH=ldscript)  # BuildProgram() passes it as -T
env.Depends("$PROGPATH", ldscript)

# Board support: compiled into the program like the app's own sources.
# .c and .S go to separate object folders, so x.c next to x.S is no clash.
for variant, src_dir, pattern in (
    ("board", board_src_dir, "-<*> +<*.c>"),
    ("board_asm", board_src_dir, "-<*> +<*.S>"),
    ("board_common", common_dir, "-<*> +<*.c>"),
    ("board_common_" + arch, os.path.join(common_dir, arch), "-<*> +<*.c>"),
    ("board_common_%s_asm" % arch, os.path.join(common_dir, arch), "-<*> +<*.S>"),
):
    if os.path.isdir(src_dir) and env.MatchSourceFiles(src_dir, pattern, ["c", "S"]):
        env.BuildSources(os.path.join("$BUILD_DIR", variant), src_dir, pattern)


# Size check: PlatformIO's prints flash/RAM use against upload.maximum_size /
# maximum_ram_size (the chip's real limits); this wrapper also fails on RAM
# and says by how many bytes the image is too big.
_pio_check_upload_size = env.CheckUploadSize


def CheckUploadSize(_, target, source, env):  # pylint: disable=invalid-name
    result = subprocess.run(
        [env.subst("$SIZETOOL"), "-B", "-d", str(source[0])],
        capture_output=True,
        text=True,
        check=False,
        env=dict(os.environ, PATH=env["ENV"]["PATH"]),
    )
    over = []
    if result.returncode == 0:
        text, data, bss = (int(v) for v in result.stdout.splitlines()[1].split()[:3])
        for what, used, limit in (
            ("flash", text + data, int(board.get("upload.maximum_size", 0))),
            ("RAM", data + bss, int(board.get("upload.maximum_ram_size", 0))),
        ):
            if limit and used > limit:
                over.append(
                    "%s: %d bytes used of %d, overflowed by %d bytes"
                    % (what, used, limit, used - limit)
                )
    if over:
        sys.stderr.write(
            "Error: the image does not fit board '%s': %s\n" % (board_id, "; ".join(over))
        )
    _pio_check_upload_size(target, source, env)  # prints use; exits on flash overflow
    if over:
        env.Exit(1)


env.AddMethod(CheckUploadSize)

if "nobuild" in COMMAND_LINE_TARGETS:
    program = env.File(os.path.join("$BUILD_DIR", "${PROGNAME}${PROGSUFFIX}"))
else:
    program = env.BuildProgram()

binary = env.Command(
    os.path.join("$BUILD_DIR", "${PROGNAME}.bin"),
    program,
    env.VerboseAction("$OBJCOPY -O binary $SOURCE $TARGET", "Building $TARGET"),
)
artifacts = [binary]

# UF2 for the RP2040's USB boot loader, written by emml.uf2 (src/emml/uf2.py),
# which also checks the boot2 block and its CRC.
if board.get("build.mcu", "") == "rp2040":
    def make_uf2(target, source, env):  # pylint: disable=unused-argument
        import importlib.util  # pylint: disable=import-outside-toplevel

        # the checkout's src/emml, or the installed package holding the resources
        candidates = (os.path.join(emml_root, "src", "emml", "uf2.py"),
                      os.path.join(emml_root, "..", "uf2.py"))
        path = next((c for c in candidates if os.path.isfile(c)), candidates[0])
        spec = importlib.util.spec_from_file_location("emml_uf2", path)
        uf2 = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = uf2  # its dataclasses look themselves up there
        spec.loader.exec_module(uf2)
        try:
            with open(str(source[0]), "rb") as fp:
                data = uf2.image_to_uf2(fp.read())
        except uf2.Uf2Error as exc:
            sys.stderr.write("Error: no UF2 for %s: %s\n" % (source[0], exc))
            return 1
        with open(str(target[0]), "wb") as fp:
            fp.write(data)
        return 0

    artifacts.append(
        env.Command(
            os.path.join("$BUILD_DIR", "${PROGNAME}.uf2"),
            program,
            env.VerboseAction(make_uf2, "Building $TARGET"),
        )
    )

Default(artifacts)


# Upload: QEMU for emulated boards, a clear explanation for the others.
def run_in_qemu(target, source, env):  # pylint: disable=unused-argument
    cmd = list(emml["qemu"]) + [
        "-nographic",
        "-monitor",
        "none",
        "-serial",
        "stdio",
        "-semihosting-config",
        "enable=on,target=native",
        "-kernel",
        str(source[0]),
    ]
    print(" ".join(cmd))
    sys.stdout.flush()
    # stdin, stdout and stderr are inherited: the UART is the terminal/pipe.
    status = subprocess.call(cmd)
    sys.stdout.flush()
    if status != 0:
        sys.stderr.write("Error: %s exited with status %d\n" % (board_id, status))
        return status
    print("%s exited with status 0" % board_id)
    return 0


PROGRAMMERS = {
    "py32": "pyOCD with the Puya device pack (`pyocd load -t <mcu> firmware.hex`) or a "
    "PY32 SWD programmer (e.g. py32-flash / Puya ISP)",
    "ch32v": "a WCH-LinkE with wlink (`wlink flash firmware.bin`), minichlink or "
    "WCH-LinkUtility",
    "rp2040": "the UF2 bootloader: hold BOOTSEL, plug in, copy firmware.uf2 to the RPI-RP2 "
    "drive (or `picotool load -x firmware.uf2`)",
}


def no_programmer(target, source, env):  # pylint: disable=unused-argument
    mcu = board.get("build.mcu", "")
    hint = next((v for k, v in PROGRAMMERS.items() if mcu.startswith(k)), "your SWD/JTAG probe's tool (OpenOCD, pyOCD)")
    sys.stderr.write(
        "Error: no programmer is configured for board '%s' (upload.protocol = %s): emml only "
        "builds it here. The image is %s; flash it with %s, or set `upload_command` in "
        "platformio.ini. The emulated stand-in is '%s'.\n"
        % (
            board_id,
            board.get("upload.protocol", "none"),
            str(source[0]),
            hint,
            emml.get("emulated_by", "qemu_m0" if arch == "arm" else "qemu_rv32e"),
        )
    )
    return 1


if env.subst("$UPLOADCMD"):
    upload_action = env.VerboseAction("$UPLOADCMD", "Uploading $SOURCE")
elif emml.get("qemu"):
    upload_action = env.VerboseAction(run_in_qemu, "Running $SOURCE in QEMU")
else:
    upload_action = env.VerboseAction(no_programmer, "Uploading $SOURCE")
upload_deps = [program] + ([] if "nobuild" in COMMAND_LINE_TARGETS else artifacts)
AlwaysBuild(env.Alias("upload", upload_deps, upload_action))

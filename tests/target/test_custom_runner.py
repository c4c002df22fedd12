"""`pio test` runner for emml's on-target tests (test_framework = custom).

Builds tests/target/<test>/ with the board support and lib/emml, runs the
image in QEMU (the command from boards/<board>.json, "emml.qemu") and
decides from its UART output and exit status. The test program prints one
line per check:

    <file>:<line>:<name>:PASS
    <file>:<line>:<name>:FAIL: <message>

and exits (semihosting) with the number of failures. A crash, a timeout, a
non-zero exit without a FAIL line, or no check at all is an error. On
build-only boards the test is built (size-checked) and reported as skipped.
"""

import json
import os
import re
import subprocess

import click

# Modules, not names: pytest collects this file (its name is PlatformIO's
# convention) and would warn about the Test* classes otherwise.
from platformio import exception as pio_exception
from platformio import public as pio
from platformio.test import exception as pio_test_exception

TIMEOUT_S = 60
QEMU_ARGS = [
    "-nographic", "-monitor", "none", "-serial", "stdio",
    "-semihosting-config", "enable=on,target=native",
]
CASE_RE = re.compile(
    r"^(?P<file>[^:\s]+):(?P<line>\d+):(?P<name>[^:]+):(?P<status>PASS|FAIL)(?::\s*(?P<message>.*))?$"
)


class CustomTestRunner(pio.TestRunnerBase):
    def _env_option(self, name, default=None):
        return self.project_config.get(f"env:{self.test_suite.env_name}", name, default)

    def _board_manifest(self):
        boards_dir = self.project_config.get("platformio", "boards_dir")
        path = os.path.join(boards_dir, self._env_option("board") + ".json")
        with open(path, encoding="utf-8") as fp:
            return json.load(fp)

    def stage_building(self):
        if self.options.without_building:
            return None
        click.secho("Building...", bold=True)
        try:
            # release flags (no "__debug"): the test runs the code as shipped
            return self.run_project_targets(["__test", "checkprogsize"])
        except pio_exception.ReturnErrorCode as exc:
            raise pio_test_exception.UnitTestSuiteError(
                "Building stage has failed, see errors above. "
                "Use `pio test -vvv` option to enable verbose output."
            ) from exc

    def stage_uploading(self):
        return None  # "upload" is the QEMU run, done in stage_testing

    def stage_testing(self):
        if self.options.without_testing:
            return None
        board = self._env_option("board")
        emml = self._board_manifest().get("emml", {})
        if not emml.get("qemu"):
            stand_in = emml.get("emulated_by")
            self.test_suite.add_case(
                pio.TestCase(
                    name=f"{self.test_suite.env_name}:{self.test_suite.test_name}",
                    status=pio.TestStatus.SKIPPED,
                    message=f"board {board} has no emulator: built only"
                    + (f"; run it on {stand_in}" if stand_in else ""),
                )
            )
            return None
        click.secho("Testing...", bold=True)
        build_dir = self.project_config.get("platformio", "build_dir")
        elf = os.path.join(build_dir, self.test_suite.env_name, "firmware.elf")
        cmd = list(emml["qemu"]) + QEMU_ARGS + ["-kernel", elf]
        failed_before = self._count(pio.TestStatus.FAILED)
        try:
            proc = subprocess.run(
                cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=TIMEOUT_S, check=False
            )
        except subprocess.TimeoutExpired as exc:
            self.on_testing_data_output(exc.stdout or b"")
            return self._error(f"no exit within {TIMEOUT_S} s (hung?)")
        self.on_testing_data_output(proc.stdout)
        self.on_testing_data_output(b"\n")
        if proc.stderr.strip():
            click.secho(proc.stderr.decode("utf-8", "replace"), fg="yellow", err=True)
        if not self.test_suite.cases:
            return self._error(f"no test result line in the output (exit status {proc.returncode})")
        failed = self._count(pio.TestStatus.FAILED) - failed_before
        if proc.returncode != failed:
            return self._error(
                f"exit status {proc.returncode} but {failed} failed checks "
                "(crash, or the test did not report every check)"
            )
        return None

    def _count(self, status):
        return sum(1 for case in self.test_suite.cases if case.status == status)

    def _error(self, message):
        click.secho(message, fg="red", err=True)
        self.test_suite.add_case(
            pio.TestCase(
                name=f"{self.test_suite.env_name}:{self.test_suite.test_name}",
                status=pio.TestStatus.ERRORED,
                message=message,
                exception=pio_test_exception.UnitTestSuiteError(message),
            )
        )

    def on_testing_line_output(self, line):
        line = line.strip()
        if self.options.verbose:
            click.echo(line)
        match = CASE_RE.match(line)
        if not match:
            return
        case = pio.TestCase(
            name=match.group("name"),
            status=pio.TestStatus.PASSED if match.group("status") == "PASS" else pio.TestStatus.FAILED,
            message=match.group("message"),
            stdout=line,
            source=pio.TestCaseSource(match.group("file"), int(match.group("line"))),
        )
        self.test_suite.add_case(case)
        if not self.options.verbose:
            click.echo(case.humanize())

// Run Python under MicroPython's WebAssembly port (npm package pinned in
// package.json), for emml's MicroPython tests and benchmark.
//
//   node run.mjs < job.json
//
// job.json: {"files": {"/name.py": "source", ...}, "script": "...", "heapsize": bytes}
// The files are written into MicroPython's filesystem by a first program,
// then "script" runs as a second one, so a fresh heap sees only the script.
// Output: what MicroPython prints; a Python exception goes to stderr and the
// exit status is 1.
import { readFileSync } from "fs";
import { loadMicroPython } from "@micropython/micropython-webassembly-pyscript";

const job = JSON.parse(readFileSync(0, "utf8"));
const mp = await loadMicroPython({
    heapsize: job.heapsize || 1024 * 1024,
    stdout: (line) => process.stdout.write(line + "\n"),
    stderr: (line) => process.stderr.write(line + "\n"),
    linebuffer: true,
});
try {
    for (const [path, text] of Object.entries(job.files || {})) {
        mp.runPython(`with open(${JSON.stringify(path)}, "w") as f:\n    f.write(${JSON.stringify(text)})\ndel f\n`);
    }
    mp.runPython("import gc\ngc.collect()\n");
    mp.runPython(job.script);
} catch (error) {
    if (error.name !== "PythonError") throw error;
    process.stderr.write(error.message + "\n");
    process.exit(1);
}

"""`emml kws`: audio keyword spotting (apps/audio_kws).

    emml kws train --data DIR --board py32f003 --out OUT
    emml kws generate ARTIFACT_DIR -o DIR       kws_config.h, kws_fe.*, kws_net.* for the app
    emml kws run ARTIFACT_DIR CLIP.wav [...] --board qemu_m0   stream WAVs through the firmware in QEMU
"""

from __future__ import annotations

import argparse
from pathlib import Path

from emml.commands import CommandError


def _sizes(text: str) -> list[tuple[int, int, int]]:
    out = []
    for part in text.split(";"):
        try:
            w = tuple(int(v) for v in part.split(","))
        except ValueError:
            raise argparse.ArgumentTypeError(f"--sizes: {part!r} is not three comma-separated integers") from None
        if len(w) != 3 or min(w) < 1:
            raise argparse.ArgumentTypeError(f"--sizes: {part!r} must be three positive channel counts, e.g. 16,32,32")
        out.append(w)
    return out


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("kws", help="audio keyword spotting: train, generate C, stream WAVs through the firmware",
                       description="Audio keyword spotting with apps/audio_kws: q15 log-mel front end + int8 "
                                   "Conv1D network sized for the board.")
    kws = p.add_subparsers(dest="kws_command", metavar="ACTION")
    t = kws.add_parser("train", help="train, pick the best network that fits the board, write artifact + report")
    t.add_argument("--data", required=True, help="folder with one sub-folder of WAV files per class "
                   "(or FSDD-style <label>_<speaker>_<index>.wav files), or an emml data set (fsdd: "
                   "fetched on first use)")
    t.add_argument("--board", required=True, help="target board (emml boards lists them)")
    t.add_argument("--out", required=True, help="output folder: kws.json + kws.tflite (the artifact), generated/ "
                   "(the app's C), metrics.json, report.md and plots; apps/audio_kws/model for the app")
    t.add_argument("--words", type=lambda s: [w for w in s.split(",") if w], default=None, metavar="W1,W2,...",
                   help="target words; the other classes become _unknown_, and _background_noise_/ gives _silence_")
    t.add_argument("--split", default="auto", choices=["auto", "speaker", "lists", "index", "random"],
                   help="test split (auto: testing_list.txt when present, else whole speakers held out when names "
                        "or folders tell them, else random 20%%; index: FSDD's usual clip index 0-4)")
    t.add_argument("--sizes", type=_sizes, default=None, metavar="C1,C2,C3[;...]",
                   help="network widths to try (default: five sizes from 8,16,16 to 32,64,64)")
    t.add_argument("--epochs", type=int, default=25)
    t.add_argument("--augment", type=int, default=2, help="time-shifted (and noisy) copies of each training clip")
    t.add_argument("--no-noise", action="store_true", help="time shifts only, no added noise")
    t.add_argument("--perturb", action="store_true",
                   help="also vary the copies' speed (+-10%%) and gain (+-6 dB); see bench/bench_kws_speakers.py")
    t.add_argument("--frames", type=int, default=None, help="frames in the network's window (default 28)")
    t.add_argument("--mels", type=int, default=None, help="mel bands (default 16)")
    t.add_argument("--decision-hops", type=int, default=None, help="hops between decisions (default 4)")
    t.add_argument("--max-cpu", type=float, default=0.5, help="largest realtime_cpu accepted (default 0.5)")
    t.add_argument("--no-speaker-folds", action="store_true",
                   help="skip the leave-one-speaker-out accuracy (FSDD-style names only)")
    t.add_argument("--agreement-clips", type=int, default=None,
                   help="test clips streamed through the firmware in QEMU (default: all)")
    t.add_argument("--seed", type=int, default=0)
    t.set_defaults(func=run_train)

    g = kws.add_parser("generate", help="write the app's C (kws_config.h, kws_fe.*, kws_net.*) from an artifact")
    g.add_argument("artifact", help="artifact folder (kws.json + kws.tflite)")
    g.add_argument("-o", "--output", required=True)
    g.set_defaults(func=run_generate)

    r = kws.add_parser("run", help="stream WAV files through the firmware in QEMU and print its decisions")
    r.add_argument("artifact")
    r.add_argument("wavs", nargs="+")
    r.add_argument("--board", default="qemu_m0")
    r.set_defaults(func=run_stream)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def run_train(args: argparse.Namespace) -> int:
    from emml.boards import load
    from emml.datasets import training_data
    from emml.extras import require
    from emml.kws import train
    from emml.kws.audio import KwsDataError
    from emml.kws.workflow import KwsFitError, config_from_options, train_kws

    load(args.board)  # unknown board: one-line error
    for module, extra in (("tqdm", "apps"), ("matplotlib", "apps"), ("keras", "nn")):
        require(module, extra, "emml kws train")
    try:
        cfg = config_from_options(args.frames, args.mels, args.decision_hops)
        m = train_kws(training_data(args.data), args.board, args.out, cfg, sizes=args.sizes or train.CANDIDATES, split=args.split,
                      epochs=args.epochs, augment=args.augment, noise=not args.no_noise, max_cpu=args.max_cpu,
                      speaker_folds=not args.no_speaker_folds, agreement_clips=args.agreement_clips,
                      seed=args.seed, words=args.words, perturb=args.perturb)
    except (KwsDataError, KwsFitError, ValueError) as e:  # user errors; build failures keep their output
        raise CommandError(str(e)) from None
    print(f"accuracy {m['accuracy']:.4f}  device_agreement {m['device_agreement']:.4f}  "
          f"flash {m['flash_bytes']}  ram {m['ram_bytes']}  fits {m['fits']}  realtime_cpu {m['realtime_cpu']:.3f}")
    return 0


def run_generate(args: argparse.Namespace) -> int:
    from emml.kws.artifact import KwsArtifactError, generate

    try:
        for path in generate(args.artifact, args.output):
            print(path)
    except KwsArtifactError as e:
        raise CommandError(str(e)) from None
    return 0


def run_stream(args: argparse.Namespace) -> int:
    import tempfile

    from emml.kws import artifact, device
    from emml.kws.audio import KwsDataError, read_wav

    try:
        art = artifact.load(args.artifact)
        clips = [read_wav(w, art.config.sample_rate) for w in args.wavs]
    except (artifact.KwsArtifactError, KwsDataError) as e:
        raise CommandError(str(e)) from None
    with tempfile.TemporaryDirectory() as tmp:
        artifact.generate(art, tmp)
        image = device.build(args.board, Path(tmp), source="uart")
        sess = device.stream_session(art.config, args.board, image.elf, clips)
    for wav, run in zip(args.wavs, sess.runs):
        for d in run.decisions:
            print(f"{wav}: frame {d.frame} ({d.frame * art.config.hop_length / art.config.sample_rate:.2f} s) "
                  f"{art.classes[d.cls]} score {(d.score + 128) / 256:.2f}")
    return 0

"""doctor's one TensorFlow process: TensorFlow's facts, its GPUs, then the smoke training, one import.

Run by envcheck.probes.tf_stages with the target interpreter and a deadline per stage. Standard
library plus the framework under test only; the work itself is tf_facts.py's and smoke_net.py's
(imported from this folder, not copied). Stages, in order:

- import: tf_facts.import_facts (installed, version, build info, import error)
- gpu:    tf_facts.gpu_facts (the GPUs TensorFlow lists, CUDA libraries loaded, load checks)
- train:  smoke_net.train with smoke-train's defaults (XOR, a 2-8-1 relu network, Adam)

Each stage's answer is printed as soon as it is known, as one JSON line, and flushed:
`{"stage": "gpu", "answer": {...}}`, or `{"stage": "gpu", "error": "ValueError: ..."}` when the stage
raised (the next stage still runs). After each line the marker `envcheck-stage-done <stage>` goes to
stderr: TensorFlow's own log lines (classified by envcheck) are all written before it. If this process
dies or hangs, the first stage without a line is the one that did it.

    python tf_stages.py [--stages gpu,train]

The import always runs and answers first (every later stage needs it); `--stages` picks which of the
others follow it (a retry in a fresh child runs the ones a dead child left).
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # the siblings, even under PYTHONSAFEPATH
import smoke_net  # noqa: E402 - after the path above
import tf_facts  # noqa: E402

STAGES = ("import", "gpu", "train")
MARKER = "envcheck-stage-done"


def say(stage, **answer):
    line = json.dumps(dict(smoke_net.finite_or_none(answer), stage=stage), allow_nan=False, default=str)
    sys.stdout.write(line + "\n")
    sys.stdout.flush()
    sys.stderr.write(f"{MARKER} {stage}\n")
    sys.stderr.flush()


def main(argv):
    wanted = STAGES
    if len(argv) == 2 and argv[0] == "--stages":
        wanted = tuple(stage for stage in STAGES if stage in argv[1].split(","))
    facts = {"installed": False, "python": list(sys.version_info[:3]), "platform": sys.platform}
    tf = tf_facts.import_facts(facts)
    say("import", answer=facts)  # always: a retry's import is worth knowing too
    if tf is None:
        if "gpu" in wanted:
            say("gpu", error="not run: TensorFlow did not import")
        # smoke_net's own answer for a TensorFlow that is missing or does not import (it tries once more)
        if "train" in wanted:
            say("train", answer=smoke_net.train(smoke_net.parse_args([])))
        return 1
    if "gpu" in wanted:
        try:
            tf_facts.gpu_facts(tf, facts)
        except Exception as error:  # noqa: BLE001 - the stage's failure is its answer; training still runs
            say("gpu", error=f"{type(error).__name__}: {error}")
        else:
            say("gpu", answer={key: facts.get(key) for key in ("gpus", "loaded", "load_checks") if key in facts})
    if "train" in wanted:
        answer = smoke_net.train(smoke_net.parse_args([]))
        # the import happened above, before smoke_net's clock started: report it where smoke-train does
        timings = answer.setdefault("timings", {})
        timings["import_tensorflow_s"] = facts.get("import_s")
        timings["import_s"] = round((timings.get("import_numpy_s") or 0.0) + (facts.get("import_s") or 0.0), 4)
        say("train", answer=answer)
    return 0


if __name__ == "__main__":
    code = main(sys.argv[1:])
    sys.stderr.flush()
    # Every answer is written and flushed: skip interpreter teardown, which with TensorFlow loaded
    # (thread pools, atexit hooks) takes longer than the training (as smoke_net.py does).
    os._exit(code)

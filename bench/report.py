#!/usr/bin/env python3
"""bench/report.py - turns bench/results/raw/*.tsv into results.md and a chart.

Standard library only. Every record is one measurement of one run:
    case  tool  rep  metric  value  unit  note
value FAIL (with the reason in note) is a failed run, NA a mode a tool does
not have. Per case and tool the report gives the median and the range
(min-max) of each metric over the repetitions, the ratio of the medians to
atail's (and to cat's for catch-up), and lists failures instead of
dropping them. Then it checks issue 5's targets against the same run.

usage: report.py [RESULTS_DIR]   (default: bench/results)
"""
import collections
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "results")
RAW = os.path.join(RESULTS, "raw")

TOOL_ORDER = ["atail", "cat", "fifo-cat", "gnu-tail", "busybox-tail", "python-exercise", "rsyslog-imfile",
              "exec-baseline", "python-binding", "python-binding-print", "python-binding-batches",
              "python-binding-chunks"]
TOOL_LABEL = {
    "atail": "atail",
    "cat": "cat",
    "fifo-cat": "floor: cat of a FIFO",
    "gnu-tail": "GNU tail",
    "busybox-tail": "BusyBox tail",
    "python-exercise": "Python exercise",
    "rsyslog-imfile": "rsyslog imfile",
    "exec-baseline": "/bin/true (exec baseline)",
    "python-binding": "Python binding (async for)",
    "python-binding-print": "Python binding (print(line.decode()))",
    "python-binding-batches": "Python binding (batches())",
    "python-binding-chunks": "Python binding (chunks=True)",
}
TOOL_COLOR = {
    "atail": "#d62728", "cat": "#7f7f7f", "fifo-cat": "#c7c7c7", "gnu-tail": "#1f77b4",
    "busybox-tail": "#2ca02c",
    "python-exercise": "#ff7f0e", "rsyslog-imfile": "#9467bd", "exec-baseline": "#bcbd22",
}

# workload -> (title, [(metric, label, better)], primary metric, description)
WORKLOADS = [
    ("catchup", "1. Catch-up", [
        ("throughput", "throughput", "higher"), ("time", "time", "lower"), ("cpu", "CPU", "lower"),
        ("peak_rss", "peak RSS", "lower")], "throughput"),
    ("latency", "2. Follow latency", [
        ("p50", "p50", "lower"), ("p99", "p99", "lower"), ("max", "max", "lower"),
        ("lost", "lost", "lower"), ("cpu", "CPU", "lower"), ("peak_rss", "peak RSS", "lower"),
        ("writer_rate", "writer rate", "higher")], "p99"),
    ("sustained", "3. Sustained follow", [
        ("writer_rate", "writer", "higher"), ("delivered", "delivered", "higher"),
        ("lag_lines", "lag at writer end", "lower"), ("lag_time", "time to catch up", "lower"),
        ("cpu_per_mline", "CPU per Mline", "lower"), ("p50", "p50 (sampled)", "lower"),
        ("p99", "p99 (sampled)", "lower"), ("peak_rss", "peak RSS", "lower")], "cpu_per_mline"),
    ("idle", "4. Idle cost", [
        ("cpu", "CPU in window", "lower"), ("wakeups", "wakeups", "lower"),
        ("wakeups_per_s", "wakeups/s", "lower"), ("involuntary", "involuntary switches", "lower"),
        ("peak_rss", "peak RSS", "lower")], "wakeups"),
    ("manyfiles", "5. Many files (one line to a random file every ms)", [
        ("p50", "p50", "lower"), ("p99", "p99", "lower"), ("max", "max", "lower"),
        ("lost", "lost", "lower"), ("cpu", "CPU", "lower"), ("peak_rss", "peak RSS", "lower")],
        "p99"),
]

DESCRIPTIONS = {
    "catchup": "The whole log from its first line (`-n +1`), to /dev/null and into a pipe "
               "(a reader counting bytes), without and with `-f` (with `-f`: until the last "
               "byte is out). cat cannot follow: its plain copy to the same sink is the "
               "reference in the `-f` tables. `÷ cat` is the tool's throughput over cat's "
               "(>= 1.0: as fast as cat). `-n 10` is the whole process, exec included; "
               "`/bin/true` shows what exec alone costs.",
    "latency": "Writer (bench/stamp_writer) stamps CLOCK_MONOTONIC into each 100-byte line "
               "right before its write(); the follower (`-f -n 0`) prints into a pipe; "
               "bench/latency_reader subtracts the stamp from the arrival time of each line. "
               "*floor: cat of a FIFO* is the same writer into a FIFO that cat copies into "
               "the same pipe: the same two hops with no file in between, what the machine's "
               "scheduler allows any follower.",
    "sustained": "The writer appends as fast as it can (64 KiB writes); lag at writer end = "
                 "lines written but not yet out when the writer stopped; time to catch up = "
                 "from the writer's last write to the last line out. CPU per million lines "
                 "is the follower's user+system time over the lines it delivered. Latencies "
                 "are sampled (the last line of each read).",
    "idle": "Nothing is written. All followers run at the same time; CPU time and voluntary "
            "context switches (wakeups) of all their threads are sampled at the start and "
            "end of the window, after a settling time.",
    "manyfiles": "All followers follow N files (`-f -q -n 0`, rsyslog through a wildcard); one "
                 "stamped line goes to a random file every millisecond. CPU and peak RSS cover "
                 "the whole run, setup included.",
}


def fnum(v):
    if v is None:
        return "-"
    a = abs(v)
    if a == 0:
        return "0"
    if a >= 1000:
        return f"{v:,.0f}"
    if a >= 100:
        return f"{v:.0f}"
    if a >= 10:
        return f"{v:.1f}"
    if a >= 1:
        return f"{v:.2f}"
    if a >= 0.01:
        return f"{v:.3f}"
    return f"{v:.2g}"


def fratio(v):
    if v is None:
        return "-"
    if v >= 100:
        return f"{v:,.0f}x"
    if v >= 10:
        return f"{v:.1f}x"
    return f"{v:.2f}x"


def load(workload):
    path = os.path.join(RAW, workload + ".tsv")
    if not os.path.exists(path):
        return None
    data = collections.OrderedDict()  # case -> tool -> metric -> [values]
    by_rep = collections.defaultdict(dict)  # (case, tool, metric) -> {rep: value}
    units = {}
    fails = collections.defaultdict(list)  # (case, tool) -> [reason]
    na = {}
    notes = collections.defaultdict(set)
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 6:
                continue
            case, tool, rep, metric, value, unit = parts[:6]
            note = parts[6] if len(parts) > 6 else ""
            data.setdefault(case, collections.OrderedDict()).setdefault(tool, {})
            if metric == "status":
                if value == "FAIL":
                    fails[(case, tool)].append(note)
                elif value == "NA":
                    na[(case, tool)] = note
                continue
            try:
                v = float(value)
            except ValueError:
                continue
            data[case][tool].setdefault(metric, []).append(v)
            by_rep[(case, tool, metric)][rep] = v
            units[(case, metric)] = unit
            if note:
                notes[(case, tool)].add(note)
    return data, units, fails, na, notes, by_rep


def read_meta(name):
    meta = {}
    path = os.path.join(RAW, name)
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                if "=" in line:
                    k, v = line.rstrip("\n").split("=", 1)
                    meta[k] = v
    return meta


def ran_on(meta):
    """Where a result was measured: 'CPU model, N cores, kernel', or None
    for records written before workloads recorded it."""
    if not meta.get("cpu"):
        return None
    parts = [meta["cpu"]]
    if meta.get("cores"):
        parts.append(f"{meta['cores']} cores")
    if meta.get("kernel"):
        parts.append(meta["kernel"])
    return ", ".join(parts)


def measured_on(meta):
    """The line under a workload's title that says where and when it ran."""
    where = ran_on(meta) or "CPU not recorded"
    when = meta.get("started", "?").replace("T", " ").replace("Z", " UTC")
    line = f"Measured on {where}, {when}"
    if meta.get("atail"):
        line += f"; atail: {meta['atail']}"
    return line + "."


def med(vals):
    return statistics.median(vals) if vals else None


def tools_of(cases_tools):
    seen = [t for t in TOOL_ORDER if t in cases_tools]
    seen += [t for t in cases_tools if t not in seen]
    return seen


def summarize():
    """Returns {workload: {case: {tool: {metric: median}}}} for targets and
    chart, and {workload: {(case, tool, metric): {rep: value}}} for the
    paired comparisons."""
    out, reps = {}, {}
    for wl, *_ in WORKLOADS:
        got = load(wl)
        if not got:
            continue
        data = got[0]
        out[wl] = {c: {t: {m: med(v) for m, v in ms.items()} for t, ms in ts.items()}
                   for c, ts in data.items()}
        reps[wl] = got[5]
    return out, reps


def paired(reps, case, metric, tool, other):
    """tool's value over other's in each repetition both ran (they ran
    interleaved, so a ratio of one repetition shares its machine state)."""
    a, b = reps.get((case, tool, metric), {}), reps.get((case, other, metric), {})
    return [a[r] / b[r] for r in sorted(a) if r in b and b[r]]


def paired_text(ratios, what, better="lower"):
    """'p50 0.97x (0.88x–1.08x), lower in 3 of 5, within noise': the median
    of the paired ratios, their range, in how many repetitions the tool was
    better, and whether they fall on both sides of 1 (then the order of
    the medians is the run's noise)."""
    if not ratios:
        return ""
    won = sum(1 for r in ratios if (r < 1 if better == "lower" else r > 1))
    noise = ", within noise" if min(ratios) < 1 < max(ratios) else ""
    return (f"{what} {fratio(med(ratios))} ({fratio(min(ratios))}–{fratio(max(ratios))}), "
            f"{better} in {won} of {len(ratios)}{noise}")


def table(wl, metrics, primary, data, units, fails, na, notes, out, ref="atail"):
    """One table per case; the primary metric's medians are also given as
    ratios to tool `ref`'s (and to cat's for catch-up)."""
    for case, tools in data.items():
        out.append(f"\n### {case}\n")
        present = [m for m, _, _ in metrics if any(m in tools[t] for t in tools)]
        cat_ref = tools.get("cat", {}).get(primary) if wl == "catchup" else None
        atail_ref = tools.get(ref, {}).get(primary)
        head = ["tool"]
        unit_of = {m: units.get((case, m), "") for m in present}
        label = {m: lab for m, lab, _ in metrics}
        for m in present:
            head.append(f"{label[m]} ({unit_of[m]}) median" if unit_of[m] else f"{label[m]} median")
            head.append("range")
        if primary in present:
            head.append(f"{label[primary]} ÷ {TOOL_LABEL.get(ref, ref)}")
            if cat_ref:
                head.append(f"{label[primary]} ÷ cat")
        head.append("runs")
        out.append("| " + " | ".join(head) + " |")
        out.append("|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|")
        footnotes = []
        for t in tools_of(tools):
            name = TOOL_LABEL.get(t, t)
            ms = tools[t]
            fl = fails.get((case, t), [])
            if (case, t) in na and not ms:
                out.append(f"| {name} | n/a: {na[(case, t)]} |" + " |" * (len(head) - 2))
                continue
            if not ms:
                reason = fl[0] if fl else "no result"
                out.append(f"| {name} | **FAILED**: {reason} |" + " |" * (len(head) - 2))
                continue
            row = [name]
            nruns = 0
            for m in present:
                vals = ms.get(m, [])
                nruns = max(nruns, len(vals))
                if not vals:
                    row += ["-", ""]
                    continue
                row.append(fnum(med(vals)))
                row.append(f"{fnum(min(vals))}–{fnum(max(vals))}" if len(vals) > 1 else "")
            if primary in present:
                pv = med(ms.get(primary, []))
                row.append(fratio(pv / med(atail_ref)) if pv is not None and atail_ref
                           and med(atail_ref) else "-")
                if cat_ref:
                    row.append(fratio(pv / med(cat_ref)) if pv is not None and med(cat_ref) else "-")
            runs = str(nruns)
            if fl:
                runs += f" (+{len(fl)} failed)"
                footnotes.append(f"{name}: {len(fl)} run(s) failed: {fl[0]}")
            for n in sorted(notes.get((case, t), ())):
                footnotes.append(f"{name}: {n}")
            row.append(runs)
            out.append("| " + " | ".join(row) + " |")
        for fn in footnotes:
            out.append(f"\n- {fn}")


def targets(s, reps, out):
    """Issue 5's targets, checked against this run's medians. A latency
    comparison also gives the ratios paired by repetition: when they fall
    on both sides of 1, the medians' order is the run's noise, not a
    difference between the tools."""
    rows = []

    def get(wl, case, tool, metric):
        return s.get(wl, {}).get(case, {}).get(tool, {}).get(metric)

    def add(target, ok, figures):
        status = "n/a" if ok is None else ("**met**" if ok else "**missed**")
        rows.append(f"| {target} | {status} | {figures} |")

    cu = s.get("catchup", {})
    for case in [c for c in cu if c.startswith("-n +1") or c.startswith("-f -n +1")]:
        a, c, g = (get("catchup", case, t, "throughput") for t in ("atail", "cat", "gnu-tail"))
        if a is None:
            add(f"catch-up `{case}`: >= cat, > GNU tail", None, "atail did not run")
            continue
        ok = c is not None and g is not None and a >= c and a > g
        ptext = paired_text(paired(reps.get("catchup", {}), case, "throughput", "atail", "cat"),
                            "atail ÷ cat by repetition:", "higher")
        add(f"catch-up `{case}`: >= cat, > GNU tail", ok,
            f"atail {fnum(a)} MB/s, cat {fnum(c)}, GNU tail {fnum(g)} "
            f"(÷ cat {fratio(a / c) if c else '-'})" + (f"; {ptext}" if ptext else ""))
    jcase = next((c for c in cu if c.startswith("JSON")), None)
    if jcase:
        j = get("catchup", jcase, "atail", "throughput")
        add("JSON output >= 1 GB/s", None if j is None else j >= 1000,
            f"{fnum(j)} MB/s" if j is not None else "no JSON output in this atail yet")
    ncase = next((c for c in cu if c.startswith("-n 10")), None)
    if ncase:
        a = get("catchup", ncase, "atail", "time")
        b = get("catchup", ncase, "exec-baseline", "time")
        cpu = get("catchup", ncase, "atail", "cpu")
        bcpu = get("catchup", ncase, "exec-baseline", "cpu")
        if a is not None and b is not None:
            # Work = CPU time beyond what exec of /bin/true costs (wall time
            # on a shared machine mostly measures the scheduler).
            add("`-n 10` on the big file: under 1 ms of work", cpu - bcpu < 1.0,
                f"atail {fnum(cpu)} ms CPU ({fnum(a)} ms wall), /bin/true {fnum(bcpu)} ms CPU "
                f"({fnum(b)} ms wall): work {fnum(cpu - bcpu)} ms CPU, {fnum(a - b)} ms wall")
    for case in s.get("latency", {}):
        a50, a99 = get("latency", case, "atail", "p50"), get("latency", case, "atail", "p99")
        g50, g99 = get("latency", case, "gnu-tail", "p50"), get("latency", case, "gnu-tail", "p99")
        if a50 is None or g50 is None:
            add(f"latency {case}: p50, p99 <= GNU tail", None, "atail or GNU tail did not run")
            continue
        lr = reps.get("latency", {})
        ptext = "; ".join(t for t in (
            paired_text(paired(lr, case, m, "atail", "gnu-tail"), m) for m in ("p50", "p99")) if t)
        add(f"latency {case}: p50, p99 <= GNU tail", a50 <= g50 and a99 <= g99,
            f"atail p50 {fnum(a50)} us, p99 {fnum(a99)} us; GNU tail p50 {fnum(g50)} us, "
            f"p99 {fnum(g99)} us" + (f"; atail ÷ GNU tail by repetition: {ptext}" if ptext else ""))
        if case.startswith("100000"):
            f99 = get("latency", case, "fifo-cat", "p99")
            floor = "" if f99 is None else (
                f"; the machine's floor (writer, FIFO, cat, pipe) p99 {fnum(f99)} us")
            add("latency p99 < 100 us at 100,000 lines/s", a99 < 100,
                f"atail p99 {fnum(a99)} us{floor}")
    for case in s.get("sustained", {}):
        lag = get("sustained", case, "atail", "lag_time")
        lagl = get("sustained", case, "atail", "lag_lines")
        a = get("sustained", case, "atail", "cpu_per_mline")
        g = get("sustained", case, "gnu-tail", "cpu_per_mline")
        if a is None:
            add("sustained: keeps up; CPU/Mline < GNU tail", None, "atail did not run")
            continue
        add("sustained: keeps up with the fastest writer (caught up within 10 ms)",
            lag is not None and lag < 0.01,
            f"lag at writer end {fnum(lagl)} lines, caught up {fnum(lag * 1000)} ms after")
        add("sustained: CPU per million lines < GNU tail's", g is not None and a < g,
            f"atail {fnum(a)} s/Mline, GNU tail {fnum(g)} s/Mline")
    for case in s.get("idle", {}):
        w = get("idle", case, "atail", "wakeups")
        c = get("idle", case, "atail", "cpu")
        if w is None:
            add(f"idle {case}: zero wakeups, 0.00 s CPU", None, "atail did not run")
            continue
        add(f"idle {case}: zero wakeups, 0.00 s CPU", w == 0 and c < 0.005,
            f"{fnum(w)} wakeups, {c:.3f} s CPU")
    for case in s.get("manyfiles", {}):
        if not case.startswith("10000 "):
            continue
        p99 = get("manyfiles", case, "atail", "p99")
        rss = get("manyfiles", case, "atail", "peak_rss")
        if p99 is None:
            add("10,000 files: p99 < 5 ms, RSS < 64 MiB", None, "atail did not run")
            continue
        add("10,000 files: p99 < 5 ms, RSS < 64 MiB", p99 < 5 and rss < 64,
            f"p99 {fnum(p99)} ms, peak RSS {fnum(rss)} MiB")
    out.append("\n## Issue 5 targets (this run)\n")
    out.append("| target | status | figures (medians) |")
    out.append("|---|---|---|")
    out.extend(rows)


# ---- chart -----------------------------------------------------------------------

def write_dat(name, header, rows):
    path = os.path.join(RESULTS, name)
    with open(path, "w") as f:
        f.write("# " + "\t".join(header) + "\n")
        for r in rows:
            f.write("\t".join("?" if v is None else (f"{v:.6g}" if isinstance(v, float) else str(v))
                              for v in r) + "\n")
    return path


def chart(s):
    tools = [t for t in TOOL_ORDER if t not in ("exec-baseline",)]
    panels = []

    def clustered(wl, metric, title, ylabel, tool_list, log=True, case_filter=None):
        cases = [c for c in s.get(wl, {}) if case_filter is None or case_filter(c)]
        if not cases:
            return
        tl = [t for t in tool_list if any(t in s[wl][c] for c in cases)]
        rows = []
        for c in cases:
            label = '"' + c.replace('"', "'") + '"'
            rows.append([label] + [s[wl][c].get(t, {}).get(metric) for t in tl])
        dat = write_dat(f"chart_{wl}_{metric}.dat", ["case"] + tl, rows)
        panels.append((dat, title, ylabel, tl, log))

    clustered("catchup", "throughput", "Catch-up throughput (higher is better)", "MB/s", tools,
              case_filter=lambda c: c.startswith("-n +1") or c.startswith("-f -n +1"))
    clustered("latency", "p50", "Follow latency p50 (lower is better)", "microseconds",
              [t for t in tools if t != "cat"])
    clustered("latency", "p99", "Follow latency p99 (lower is better)", "microseconds",
              [t for t in tools if t != "cat"])
    clustered("sustained", "cpu_per_mline", "Sustained: CPU s per million lines", "s",
              [t for t in tools if t != "cat"])
    clustered("idle", "wakeups_per_s", "Idle wakeups per second", "wakeups/s",
              [t for t in tools if t != "cat"], log=False)
    clustered("manyfiles", "p99", "Many files: latency p99", "ms",
              [t for t in tools if t != "cat"])
    if not panels:
        return None
    png = os.path.join(RESULTS, "chart.png")
    cols = 2
    rows = (len(panels) + cols - 1) // cols
    g = [f'set terminal pngcairo size 1400,{480 * rows} font "DejaVu Sans,9"',
         f'set output "{png}"',
         'set datafile missing "?"',
         'set style data histograms',
         'set style histogram clustered gap 1',
         'set style fill solid 0.85 border -1',
         'set boxwidth 0.9',
         'set key below horizontal font ",8"',
         'set grid ytics',
         'set xtics nomirror font ",8"',
         f'set multiplot layout {rows},{cols}']
    for dat, title, ylabel, tl, log in panels:
        g.append(f'set title "{title}"')
        g.append(f'set ylabel "{ylabel}"')
        g.append("set logscale y" if log else "unset logscale y")
        g.append("set yrange [*:*]" if log else "set yrange [0:*]")
        parts = []
        for i, t in enumerate(tl):
            parts.append(f'"{dat}" using {i + 2}:xtic(1) title "{TOOL_LABEL.get(t, t)}" '
                         f'lc rgb "{TOOL_COLOR.get(t, "#000000")}"')
        g.append("plot " + ", ".join(parts))
    g.append("unset multiplot")
    script = os.path.join(RESULTS, "chart.gp")
    with open(script, "w") as f:
        f.write("\n".join(g) + "\n")
    try:
        subprocess.run(["gnuplot", script], check=True, capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as e:
        sys.stderr.write(f"report: gnuplot failed: {e}\n")
        return None
    return png


# ---- the Python binding against the exercise (bench/python_binding.sh) -----------

PY_BINDINGS = ["python-binding", "python-binding-print", "python-binding-batches",
               "python-binding-chunks"]
PY_METRICS = {
    "catch-up": ([("throughput", "throughput", "higher"), ("lines_per_s", "lines", "higher"),
                  ("time", "time", "lower"), ("cpu", "CPU", "lower"),
                  ("peak_rss", "peak RSS", "lower")], "throughput"),
    "delivered": ([("throughput", "throughput", "higher"), ("lines_per_s", "lines", "higher"),
                   ("time", "time", "lower"), ("cpu", "CPU", "lower"),
                   ("peak_rss", "peak RSS", "lower")], "throughput"),
    "latency": ([("p50", "p50", "lower"), ("p99", "p99", "lower"), ("max", "max", "lower"),
                 ("lost", "lost", "lower"), ("cpu", "CPU", "lower"),
                 ("peak_rss", "peak RSS", "lower"), ("writer_rate", "writer rate", "higher")],
                "p50"),
    "idle": ([("cpu", "CPU in window", "lower"), ("wakeups", "wakeups", "lower"),
              ("wakeups_per_s", "wakeups/s", "lower"),
              ("involuntary", "involuntary switches", "lower"),
              ("peak_rss", "peak RSS", "lower")], "wakeups"),
}
PY_DESCRIPTION = (
    "bench/python_binding.sh: bench/peers/python_binding.py (`async with atail.open(...)`, "
    "`async for line in log`, each line written as bytes; stdout flushed after each batch) "
    "against the faithful exercise, bench/peers/python_exercise.py (text-mode `readline()`, "
    "`asyncio.sleep(0.1)` at end of file, `print` per line, flushed at end of file), on the "
    "same files in the same run, in a fresh random order in every repetition; each repetition "
    "runs catch-up, latency and idle in turn. The binding also runs as its README's "
    "`print(line.decode(errors=\"replace\"))` example and with `batches()` (one write per "
    "batch). *Delivered, not written*: the lines only counted (the exercise through its own "
    "`follow()` generator, imported unchanged), what each one hands the program without the "
    "cost of Python's output. Latency: bench/stamp_writer and bench/latency_reader as in "
    "section 2, follower `-f -n 0` into a pipe. Idle: both followers at once, "
    "`-f -n 0` on N files, nothing written, sampled after a settling time. "
    "Both run with buffered stdout (PYTHONUNBUFFERED unset) and the same interpreter.")


def python_section(out):
    """The section of bench/python_binding.sh, when it has run."""
    got = load("python")
    if not got:
        return
    data, units, fails, na, notes, _ = got
    meta = read_meta("python.meta")
    out.append("\n## 6. Python binding vs the exercise (issue 7)\n")
    out.append(measured_on(meta))
    out.append("")
    out.append(PY_DESCRIPTION)
    out.append("")
    for k, label in [("python", "Python"), ("binding", "binding built"),
                     ("settings", "settings"), ("env", "environment")]:
        if meta.get(k):
            out.append(f"- {label}: {meta[k]}")
    loads = [meta.get("load_start", "?")]
    loads += [meta[k] for k in sorted(meta) if k.startswith("load_rep") and k != "load_rep1"]
    loads.append(meta.get("load_end", "?"))
    out.append(f"- load average (1, 5, 15 min): {meta.get('started', '?')} {' → '.join(loads)} "
               f"{meta.get('finished', '?')} (start, each repetition after the first, end)")

    def vals(case, tool, metric):
        return data.get(case, {}).get(tool, {}).get(metric, [])

    def shown(v, scale):
        return fnum(v * scale)

    rows = []

    def row(measure, case, metric, tool, unit, scale, better, target=None):
        b, e = vals(case, tool, metric), vals(case, "python-exercise", metric)
        if not b and not e:
            return
        mb, me = med(b), med(e)
        cells = [measure.replace("|", "\\|")]
        for t, v, mv in ((tool, b, mb), ("python-exercise", e, me)):
            if not v:
                reason = fails.get((case, t))
                cells += [f"**FAILED**: {reason[0]}" if reason else "-", ""]
                continue
            cells.append(f"{shown(mv, scale)} {unit}")
            cells.append(f"{shown(min(v), scale)}–{shown(max(v), scale)}" if len(v) > 1 else "")
        adv = None
        if mb is not None and me is not None:
            if better == "higher" and me:
                adv = mb / me
            elif better == "lower" and mb:
                adv = me / mb
        cells.append(fratio(adv) if adv is not None else ("∞" if mb == 0 and me else "-"))
        status = ""
        if target:
            text, ok = target
            res = None if mb is None else ok(mb, adv)
            status = f"{text}: " + ("n/a" if res is None else "**met**" if res else "**missed**")
        cells.append(status)
        rows.append("| " + " | ".join(cells) + " |")

    groups = collections.OrderedDict((k, []) for k in PY_METRICS)
    for case in data:
        kind = next((k for k in PY_METRICS if case.startswith(k)), None)
        if kind:
            groups[kind].append(case)
    for case in groups["latency"]:
        rate = case.split()[1]
        p50_target = None
        if rate == "10":
            p50_target = ("p50 < 1 ms", lambda m, a: m < 1000)
        row(f"latency p50 at {rate} lines/s", case, "p50", "python-binding", "ms", 1e-3, "lower",
            p50_target)
        row(f"latency p99 at {rate} lines/s", case, "p99", "python-binding", "ms", 1e-3, "lower")
        row(f"follower CPU at {rate} lines/s", case, "cpu", "python-binding", "s", 1, "lower")
    for case in groups["catch-up"] + groups["delivered"]:
        for tool in PY_BINDINGS:
            if not vals(case, tool, "throughput") and not fails.get((case, tool)):
                continue
            how = TOOL_LABEL[tool].replace("Python binding ", "")
            row(f"{case}, binding {how}", case, "throughput", tool, "MB/s", 1, "higher",
                ("≥ 10x", lambda m, a: a is not None and a >= 10))
    for case in groups["idle"]:
        row(f"{case}: wakeups", case, "wakeups", "python-binding", "", 1, "lower",
            ("zero wakeups", lambda m, a: m == 0))
        row(f"{case}: CPU in window", case, "cpu", "python-binding", "s", 1, "lower")

    out.append("\n### Python binding vs the exercise\n")
    out.append("Medians over the repetitions, range = min–max. *Advantage*: how many times "
               "better the binding's median is than the exercise's (higher throughput, or "
               "lower latency, CPU, wakeups); targets are issue 7's.\n")
    out.append("| measure | binding | range | exercise | range | advantage | target |")
    out.append("|---|---:|---:|---:|---:|---:|---|")
    out.extend(rows)
    general = [(t, fails[(c, t)]) for c, t in fails if c == "all"]
    for t, reasons in general:
        out.append(f"\n- {TOOL_LABEL.get(t, t)}: **FAILED**: {reasons[0]}")
    for kind, cases in groups.items():
        if not cases:
            continue
        metrics, primary = PY_METRICS[kind]
        sub = collections.OrderedDict((c, data[c]) for c in cases)
        table("python", metrics, primary, sub, units, fails, na, notes, out,
              ref="python-exercise")


def nats_section(meta, out):
    """bench/nats.sh's tables (results/nats.md), when it ran in this suite:
    its own file, headings one level down, after a "Measured on" line."""
    md = os.path.join(RESULTS, "nats.md")
    if not meta:
        return
    out.append("\n## atail --to=nats:// against a bare JetStream publisher (issue 12)\n")
    out.append(measured_on(meta))
    out.append("")
    if not meta.get("finished") or not os.path.exists(md):
        out.append("FAILED: bench/nats.sh started but did not finish (see the run's log).")
        return
    out.append("From bench/nats.sh ([nats.md](nats.md)):")
    with open(md) as f:
        for line in f.read().splitlines()[1:]:  # its title is the heading above
            out.append("#" + line if line.startswith("#") else line)


def main():
    machine = read_meta("machine.txt")
    metas = {wl: read_meta(wl + ".meta") for wl in [w[0] for w in WORKLOADS] + ["python", "nats"]}
    metas = {wl: m for wl, m in metas.items() if m}
    if not machine.get("cpu"):  # a workload run alone: its own record says
        for m in metas.values():
            for k in ("cpu", "cores", "kernel"):
                if m.get(k):
                    machine.setdefault(k, m[k])
            break
    title = "# atail benchmark results"
    if ran_on(machine):
        title += f": {ran_on(machine)}"
    out = [title, ""]
    raw = os.path.relpath(RAW, os.path.dirname(HERE))
    out.append(f"Produced by `make bench` (bench/run.sh); raw records in {raw}/ (not kept in git). "
               "Medians over the repetitions, range = min–max, ratios are of medians. "
               "Tools run interleaved in random order within each repetition.")
    out.append("")
    out.append("## Machine")
    out.append("")
    for k, label in [("date", "date"), ("cpu", "CPU"), ("cores", "cores"), ("mem", "memory"),
                     ("kernel", "kernel"), ("os", "OS"), ("fs", "filesystem of the files"),
                     ("atail", "atail"), ("gnu_tail", "GNU tail"), ("busybox", "BusyBox"),
                     ("python", "Python"), ("rsyslog", "rsyslog"), ("settings", "settings"),
                     ("note", "note")]:
        if machine.get(k):
            out.append(f"- {label}: {machine[k]}")
    loads = []
    for wl, *_ in WORKLOADS:
        m = read_meta(wl + ".meta")
        if m:
            loads.append(f"{wl} {m.get('load_start', '?')} → {m.get('load_end', '?')}")
    if loads:
        out.append("- load average (1, 5, 15 min) at start → end of each workload: "
                   + "; ".join(loads))
    where = {wl: ran_on(m) or "not recorded" for wl, m in metas.items()}
    if len(set(where.values()) | {ran_on(machine) or "not recorded"}) > 1:
        out.append("- **measured on different machines**, by workload: "
                   + "; ".join(f"{wl}: {w}" for wl, w in where.items()))
    s, reps = summarize()
    targets(s, reps, out)
    for wl, title, metrics, primary in WORKLOADS:
        got = load(wl)
        out.append(f"\n## {title}\n")
        if not got:
            out.append("Not run.")
            continue
        out.append(measured_on(metas.get(wl, {})))
        out.append("")
        out.append(DESCRIPTIONS.get(wl, ""))
        table(wl, metrics, primary, *got[:5], out)
    python_section(out)
    if read_meta("kill9.meta") and os.path.exists(os.path.join(RESULTS, "kill9.md")):
        out.append("\n## kill -9 restarts (issue 4)\n")
        out.append("bench/kill9_restarts.sh ran in this suite: its table is in "
                   "[kill9.md](kill9.md).")
    nats_section(metas.get("nats"), out)
    png = chart(s)
    if png:
        out.append(f"\n## Chart\n\n![benchmark chart]({os.path.basename(png)})")
    md = os.path.join(RESULTS, "results.md")
    with open(md, "w") as f:
        f.write("\n".join(out) + "\n")
    print(md)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Where a bench phase's CPU time and wake-ups go, per request, by server thread.

Used by webhooks.sh; standard library only.

  cost.py snapshot PID > file.json
      the server's threads now: name, CPU ticks (utime + stime) and context
      switches from /proc/PID/task/*/{stat,status}, plus the whole process's
      CPU from /proc/PID/stat (which keeps the time of threads that exited).

  cost.py phase MODE ROUND REQUESTS BEFORE.json AFTER.json OUT.json [METRICS_BEFORE METRICS_AFTER]
      prints the phase's figures per request and writes them to OUT.json
      for the summary. The metrics files are /metrics scrapes; from them the
      storage figures are printed. MODE `processing` divides by messages
      processed instead of requests (the drain after a durable run).

  cost.py summary COST.json...
      totals per mode over all rounds, the per-group table and the ratio lines;
      the two modes compared are COST_MODES (default "bare durable").

Thread groups: a thread's name (`comm`) with its trailing number dropped
(`NIO-SGLTN-1-#2` -> `NIO-SGLTN`, `NIO-ELT-0-#1` -> `NIO-ELT`), except:
  main        the process's first thread;
  swift-pool  libdispatch's `com.apple.root.default-qos` workers (the name is
              cut to its last 15 bytes, `oot.default-qos`): on Linux these run
              Swift's cooperative global executor, i.e. the async tasks;
  dispatch    other libdispatch root-queue workers (`…-qos.overcommit`);
  unnamed     threads that kept the process's name;
  rest        the process's CPU (from /proc/PID/stat) that no listed thread
              shows: threads that ended inside the window (their context
              switches are lost) and the rounding of per-thread times (the
              kernel scales each thread's ticks on its own), a few ticks.
The storage threads name themselves (`intake-writer`, `intake-checkpt`,
`intake-reader`).
"""

import json
import os
import re
import sys

TICK_US = 1e6 / os.sysconf("SC_CLK_TCK")
STORAGE = {
    "transactions": "intake_storage_transactions_total",
    "jobs": "intake_storage_jobs_total",
    "flushes": "intake_storage_flushes_total",
    "flush_s": "intake_storage_flush_seconds_total",
    "flush_max_s": "intake_storage_flush_seconds_max",
    "checkpoints": "intake_storage_checkpoints_total",
    "checkpoint_s": "intake_storage_checkpoint_seconds_total",
}


def read(path):
    with open(path) as f:
        return f.read()


def cpu_ticks(stat_text):
    """(utime + stime, stime) in ticks."""
    # The name sits in parentheses and may hold spaces; utime and stime are
    # fields 14 and 15, the 12th and 13th after the closing parenthesis.
    rest = stat_text[stat_text.rindex(")") + 2:].split()
    return int(rest[11]) + int(rest[12]), int(rest[12])


def switches(status_text):
    found = dict(re.findall(r"^(voluntary_ctxt_switches|nonvoluntary_ctxt_switches):\s*(\d+)", status_text, re.M))
    return int(found.get("voluntary_ctxt_switches", 0)), int(found.get("nonvoluntary_ctxt_switches", 0))


def snapshot(pid):
    process_name = read(f"/proc/{pid}/comm").strip()
    threads = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        base = f"/proc/{pid}/task/{tid}"
        try:
            name = read(f"{base}/comm").strip()
            ticks, system = cpu_ticks(read(f"{base}/stat"))
            voluntary, involuntary = switches(read(f"{base}/status"))
        except (FileNotFoundError, ProcessLookupError):
            continue  # exited while we looked
        threads[tid] = {"name": name, "ticks": ticks, "sys": system, "vol": voluntary, "nonvol": involuntary}
    return {"pid": str(pid), "process_name": process_name, "ticks": cpu_ticks(read(f"/proc/{pid}/stat"))[0],
            "threads": threads}


def group_of(name, process_name):
    """A thread's group, by the rules in the module doc."""
    if "default-qos" in name and "overcommit" not in name:
        return "swift-pool"
    if "qos" in name:
        return "dispatch"
    if name == process_name:
        return "unnamed"
    return re.sub(r"([-#_. ]*\d+)+$", "", name) or name


def group_names(snap):
    """tid -> group."""
    return {tid: "main" if tid == snap["pid"] else group_of(thread["name"], snap["process_name"])
            for tid, thread in snap["threads"].items()}


def delta(before, after):
    """Per group: CPU µs, voluntary and involuntary switches between two snapshots of one process."""
    groups = group_names(after)
    by_group = {}
    for tid, now in after["threads"].items():
        then = before["threads"].get(tid)
        if then is None or then["ticks"] > now["ticks"]:  # new in the window (or a reused thread id)
            then = {"ticks": 0, "sys": 0, "vol": 0, "nonvol": 0}
        entry = by_group.setdefault(groups[tid], {"cpu_us": 0.0, "sys_us": 0.0, "vol": 0, "nonvol": 0, "threads": 0})
        entry["cpu_us"] += (now["ticks"] - then["ticks"]) * TICK_US
        entry["sys_us"] += (now["sys"] - then["sys"]) * TICK_US
        entry["vol"] += now["vol"] - then["vol"]
        entry["nonvol"] += now["nonvol"] - then["nonvol"]
        entry["threads"] += 1
    total_us = (after["ticks"] - before["ticks"]) * TICK_US
    counted = sum(g["cpu_us"] for g in by_group.values())
    # Threads that exited inside the window, and rounding: the process keeps their CPU, not their switches.
    if total_us - counted >= TICK_US:
        by_group["rest"] = {"cpu_us": total_us - counted, "sys_us": 0.0, "vol": 0, "nonvol": 0, "threads": 0}
    return total_us, by_group


def metrics(path):
    values = {}
    for line in read(path).splitlines():
        parts = line.split()
        if len(parts) == 2 and not line.startswith("#"):
            try:
                values[parts[0]] = float(parts[1])
            except ValueError:
                pass
    return {key: values.get(series, 0.0) for key, series in STORAGE.items()}


def per_request(by_group, key, requests):
    ordered = sorted(by_group.items(), key=lambda item: -item[1][key])
    return " ".join(f"{name}={value[key] / requests:.{3 if key != 'cpu_us' else 1}f}"
                    for name, value in ordered if value[key] > 0)


def storage_line(before, after):
    d = {key: after[key] - before[key] for key in STORAGE}
    batches, flushes, passes = d["transactions"], d["flushes"], d["checkpoints"]
    mean_batch = d["jobs"] / batches if batches else 0
    mean_flush = 1000 * d["flush_s"] / flushes if flushes else 0
    mean_pass = 1000 * d["checkpoint_s"] / passes if passes else 0
    return (f"storage: batches={batches:.0f} jobs={d['jobs']:.0f} mean_batch={mean_batch:.1f} "
            f"flushes={flushes:.0f} flush_ms mean={mean_flush:.3f} max={1000 * after['flush_max_s']:.3f} (since start) "
            f"checkpoints={passes:.0f} checkpoint_ms mean={mean_pass:.1f} total={1000 * d['checkpoint_s']:.0f}"), d


def phase(mode, round_, requests, before_path, after_path, out_path, metrics_paths):
    requests = int(requests)
    total_us, by_group = delta(json.loads(read(before_path)), json.loads(read(after_path)))
    vol = sum(g["vol"] for g in by_group.values())
    nonvol = sum(g["nonvol"] for g in by_group.values())
    tag = f"bench: [{mode}]"
    unit = "msg" if mode == "processing" else "req"
    if requests <= 0:
        print(f"{tag} cost: no requests, nothing to divide")
    else:
        print(f"{tag} cpu_us_per_{unit} total={total_us / requests:.1f}  {per_request(by_group, 'cpu_us', requests)}")
        print(f"{tag} vol_csw_per_{unit} total={vol / requests:.3f}  {per_request(by_group, 'vol', requests)}"
              f"  (nonvol total={nonvol / requests:.3f})")
    storage = None
    if metrics_paths:
        line, storage = storage_line(metrics(metrics_paths[0]), metrics(metrics_paths[1]))
        print(f"{tag} {line}")
    with open(out_path, "w") as out:
        json.dump({"mode": mode, "round": round_, "requests": requests, "cpu_us": total_us, "vol": vol,
                   "nonvol": nonvol, "groups": by_group, "storage": storage}, out)


def share(group):
    """The kernel's (stime's) share of a group's CPU, as a percentage."""
    return f"{100 * group.get('sys_us', 0) / group['cpu_us']:3.0f} %" if group["cpu_us"] > 0 else "  - %"


def summary(paths):
    """Totals per mode; compares the two modes named by COST_MODES (default "bare durable")."""
    base, other = os.environ.get("COST_MODES", "bare durable").split()
    modes = {}
    for path in paths:
        cost = json.loads(read(path))
        mode = modes.setdefault(cost["mode"], {"requests": 0, "cpu_us": 0.0, "vol": 0, "nonvol": 0, "groups": {}})
        for key in ("requests", "cpu_us", "vol", "nonvol"):
            mode[key] += cost[key]
        for name, group in cost["groups"].items():
            total = mode["groups"].setdefault(name, {"cpu_us": 0.0, "sys_us": 0.0, "vol": 0, "nonvol": 0})
            for key in total:
                total[key] += group[key]
    if not all(modes.get(m, {}).get("requests") for m in (base, other)):
        print("bench: cost summary: a mode has no requests")
        return
    per = {m: {key: modes[m][key] / modes[m]["requests"] for key in ("cpu_us", "vol", "nonvol")} for m in modes}
    names = sorted(set(modes[base]["groups"]) | set(modes[other]["groups"]),
                   key=lambda n: -modes[other]["groups"].get(n, {"cpu_us": 0})["cpu_us"])
    print("bench: per request over all rounds, by thread group:"
          f"  cpu_us {base} -> {other} (kernel share)   vol_csw {base} -> {other}")
    for name in names:
        b = modes[base]["groups"].get(name, {"cpu_us": 0, "sys_us": 0, "vol": 0})
        d = modes[other]["groups"].get(name, {"cpu_us": 0, "sys_us": 0, "vol": 0})
        rb, rd = modes[base]["requests"], modes[other]["requests"]
        print(f"bench:   {name:<16} {b['cpu_us'] / rb:6.1f} ({share(b)}) -> {d['cpu_us'] / rd:6.1f} ({share(d)})"
              f"   {b['vol'] / rb:8.3f} -> {d['vol'] / rd:8.3f}")
    ratio = per[other]["cpu_us"] / per[base]["cpu_us"] if per[base]["cpu_us"] else float("nan")
    print(f"bench: cpu_us_per_req {base}={per[base]['cpu_us']:.1f} {other}={per[other]['cpu_us']:.1f} ratio={ratio:.2f}")
    print(f"bench: vol_csw_per_req {base}={per[base]['vol']:.3f} {other}={per[other]['vol']:.3f}"
          f"  (nonvol {base}={per[base]['nonvol']:.3f} {other}={per[other]['nonvol']:.3f})")


def main(argv):
    if len(argv) >= 2 and argv[0] == "snapshot":
        json.dump(snapshot(argv[1]), sys.stdout)
    elif len(argv) in (7, 9) and argv[0] == "phase":
        phase(*argv[1:7], argv[7:])
    elif len(argv) >= 2 and argv[0] == "summary":
        summary(argv[1:])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

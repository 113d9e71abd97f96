#!/usr/bin/env python3
"""Memory-Maze reference for `ssm bench maze` case step_render_64: one environment step of the real
Memory-Maze 15x15 (MuJoCo physics, 64x64 egocentric render through OSMesa), random actions.

Needs (not installed by this script; pin the versions measured in Docs/MazeEnv.md):
    apt-get install -y libosmesa6
    python3 -m venv /opt/mmenv && /opt/mmenv/bin/pip install memory-maze gym "dm-control==1.0.28" "mujoco==3.3.0"
Usage: MUJOCO_GL=osmesa /opt/mmenv/bin/python Benchmarks/reference/memory_maze_step.py --threads 1
Prints one JSON line: {"case": "step_render_64", "ms": <median ms per step>, "threads": N}.
"""
import argparse, json, os, time
p = argparse.ArgumentParser()
p.add_argument("--threads", type=int, default=1)
p.add_argument("--steps", type=int, default=200)
args = p.parse_args()
os.environ.setdefault("MUJOCO_GL", "osmesa")
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "LP_NUM_THREADS"):
    os.environ[var] = str(args.threads)
import numpy as np
from memory_maze import tasks

env = tasks.memory_maze_15x15(seed=1)
env.reset()
rng = np.random.default_rng(0)
for _ in range(20):
    env.step(np.array(rng.integers(6)))
times = []
for _ in range(args.steps):
    t0 = time.perf_counter()
    ts = env.step(np.array(rng.integers(6)))
    times.append((time.perf_counter() - t0) * 1000)
    if ts.last():
        env.reset()
times.sort()
print(json.dumps({"case": "step_render_64", "ms": times[len(times) // 2], "threads": args.threads}))
os._exit(0)  # dm_control's renderer teardown raises at interpreter exit; the figure is already printed

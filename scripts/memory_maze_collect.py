#!/usr/bin/env python3
"""Records frames of the real Memory-Maze as one episode folder in the dataset format (Docs/Datasets.md)
(fps_views/*.png, env_config.json with maze_layout, frame_info.json), so that our renderer and models can
be compared with it frame by frame (`ssm dataset compare DIR`).

Needs (not installed by this script):
    apt-get install -y libosmesa6
    python3 -m venv /opt/mmenv && /opt/mmenv/bin/pip install memory-maze gym pillow "dm-control==1.0.28" "mujoco==3.3.0"
Usage: MUJOCO_GL=osmesa /opt/mmenv/bin/python scripts/memory_maze_collect.py --output runs/memory-maze --seed 5 --steps 200 [--size 9|11|13|15]
The walk keeps off walls using the layout: it turns (one way, until clear) when the point 0.7 cells
ahead is in a wall, otherwise goes forward (70%) or forward-and-turn.
"""
import argparse, json, math, os
os.environ.setdefault("MUJOCO_GL", "osmesa")
import numpy as np
from PIL import Image
from memory_maze import tasks
from memory_maze.maze import TARGET_COLORS

p = argparse.ArgumentParser()
p.add_argument("--output", default="runs/memory-maze")
p.add_argument("--seed", type=int, default=5)
p.add_argument("--steps", type=int, default=200)
p.add_argument("--size", type=int, default=15, choices=[9, 11, 13, 15])
args = p.parse_args()
n = args.size

env = getattr(tasks, "memory_maze_%dx%d" % (n, n))(global_observables=True, seed=args.seed)
ts = env.reset()
os.makedirs(os.path.join(args.output, "fps_views"), exist_ok=True)
layout = ts.observation["maze_layout"].astype(int).tolist()
targets = ts.observation["targets_pos"]
config = {
    "env_name": "MemoryMaze-%dx%d-ExtraObs" % (n, n), "agent_height": 0.3, "fov_angle": 80, "seed": args.seed, "maze_size": n,
    # Memory-Maze's room settings: 9 rooms of at most 3 cells at 15x15, else 6 rooms of 3-5 cells.
    "maze_config": {"maze_size": n, "max_rooms": 9 if n == 15 else 6, "room_min_size": 3, "room_max_size": 3 if n == 15 else 5,
                    "spawns_per_room": 1, "objects_per_room": 1},
    "objects": [{"index": i, "position": [float(x), float(y)], "color": [float(c) for c in TARGET_COLORS[i]]}
                for i, (x, y) in enumerate(targets)],
    "maze_layout": layout,
}
with open(os.path.join(args.output, "env_config.json"), "w") as f:
    json.dump(config, f)

rng = np.random.default_rng(args.seed)
frames, prev, turning = {}, None, 0


def free(px, py):
    i, j = int(math.floor(px)), int(math.floor(py))
    return 0 <= i < n and 0 <= j < n and layout[j][i] == 1


for t in range(args.steps):
    if t > 0:
        if not free(x + 0.7 * math.cos(theta), y + 0.7 * math.sin(theta)):
            turning = turning or int(rng.choice([2, 3]))
            a = turning
        else:
            turning = 0
            a = 1 if rng.random() < 0.7 else int(rng.choice([4, 5]))
        ts = env.step(np.array(a))
    obs = ts.observation
    x, y = (float(v) for v in obs["agent_pos"])
    theta = math.atan2(float(obs["agent_dir"][1]), float(obs["agent_dir"][0]))
    target = int(np.argmin(np.linalg.norm(obs["targets_pos"] - obs["target_pos"], axis=1)))
    key = "frame_%06d" % t
    Image.fromarray(obs["image"]).save(os.path.join(args.output, "fps_views", key + ".png"))
    vx, vy, w = (0.0, 0.0, 0.0) if prev is None else (x - prev[0], y - prev[1], math.remainder(theta - prev[2], 2 * math.pi))
    frames[key] = {"frame_id": t, "timestamp": t / 4, "agent_state": {"position": [x, y], "rotation": theta,
                   "velocity": [vx, vy], "angular_velocity": w},
                   "observations": {"fps_view": "fps_views/%s.png" % key, "current_target": target}}
    prev = (x, y, theta)
with open(os.path.join(args.output, "frame_info.json"), "w") as f:
    json.dump(frames, f)
print(json.dumps({"output": args.output, "frames": len(frames)}))
os._exit(0)  # dm_control's renderer teardown raises at interpreter exit

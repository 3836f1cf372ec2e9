"""Modules, optimizers and the torch RNG as (arrays by name, JSON meta): what a checkpoint needs for an
exact resume, without pickling anything.

>>> import torch
>>> net = torch.nn.Linear(2, 1)
>>> opt = torch.optim.Adam(net.parameters())
>>> net(torch.ones(1, 2)).sum().backward(); opt.step()
>>> tensors, meta = pack_training_state({"net": net}, {"opt": opt})
>>> twin = torch.nn.Linear(2, 1); twin_opt = torch.optim.Adam(twin.parameters())
>>> unpack_training_state(tensors, meta, {"net": twin}, {"opt": twin_opt})
>>> bool(torch.equal(twin.weight, net.weight))
True
"""

from __future__ import annotations

import numpy as np
import torch

__all__ = ["pack_training_state", "unpack_training_state"]


def pack_training_state(modules: dict, optimizers: dict) -> tuple[dict[str, np.ndarray], dict]:
    tensors: dict[str, np.ndarray] = {}
    for name, module in modules.items():
        for k, v in module.state_dict().items():
            tensors[f"module.{name}.{k}"] = v.detach().cpu().numpy()
    optim_meta = {}
    for name, opt in optimizers.items():
        sd = opt.state_dict()
        for pid, st in sd["state"].items():
            for k, v in st.items():
                tensors[f"optim.{name}.{pid}.{k}"] = torch.as_tensor(v).cpu().numpy()
        optim_meta[name] = {"param_groups": sd["param_groups"],
                            "state_keys": {str(pid): sorted(st) for pid, st in sd["state"].items()}}
    tensors["rng.torch"] = torch.get_rng_state().numpy()
    return tensors, {"optimizers": optim_meta}


def unpack_training_state(tensors: dict, meta: dict, modules: dict, optimizers: dict) -> None:
    for name, module in modules.items():
        prefix = f"module.{name}."
        sd = {k[len(prefix):]: torch.as_tensor(np.asarray(v)) for k, v in tensors.items()
              if k.startswith(prefix)}
        module.load_state_dict(sd)
    for name, opt in optimizers.items():
        om = meta["optimizers"][name]
        state = {int(pid): {k: torch.as_tensor(np.asarray(tensors[f"optim.{name}.{pid}.{k}"])) for k in keys}
                 for pid, keys in om["state_keys"].items()}
        for st in state.values():  # Adam's step counter is a float scalar tensor
            if "step" in st:
                st["step"] = st["step"].float().reshape(())
        opt.load_state_dict({"state": state, "param_groups": om["param_groups"]})
    torch.set_rng_state(torch.as_tensor(np.asarray(tensors["rng.torch"])).to(torch.uint8))
